/**
 * TraceQL AST → SQL predicates over span rows. A spanset expression becomes:
 * - one span-level boolean per spanset filter (`_m0`, `_m1`, ...),
 * - trace-level flags `_t{i}` = bool_or(`_m{i}`) over the trace,
 * - `traceMatch` (does the trace match?) and `spanMatch` (is this span in the result spanset?)
 *   combining them: `A && B` keeps the spans of both when both exist; `A || B` the union.
 */
import { quoteLiteral } from "../../../shared/duckdb/index.ts";
import { QueryError } from "../../../shared/query/index.ts";
import {
  KIND_CODE,
  STATUS_CODE,
  type BinaryExpr,
  type ComparisonOp,
  type FieldExpr,
  type FieldRef,
  type Literal,
  type SpansetExpr,
} from "../../../shared/query/traceql/index.ts";
import { boolCompareSql, dedicatedColumn, memberText, numericCompareSql, stringEqualsSql } from "./dedicated-sql.ts";
import { attributeValueSql, boolOf, containsKeyValueSql, doubleOf, intOf, stringOf, withValue, type AttributeColumn } from "./attribute-sql.ts";

export interface ConditionContext {
  /**
   * SQL of the trace's root service / root span name; null in the candidate pass, where
   * comparisons on them relax to TRUE.
   */
  rootServiceName: string | null;
  rootName: string | null;
  /**
   * Relaxed (candidate pass): what SQL cannot say exactly becomes TRUE, so the predicate is a
   * necessary condition of the filter. Strict: it is refused.
   */
  relaxed: boolean;
}

export interface CompiledSpanset {
  /** One span-level condition per spanset filter (`_m{i}` order). */
  filters: FieldExpr[];
  /** Over `_m{i}` and `_t{i}`: the span belongs to the matched spanset. */
  spanMatch: string;
  /** Over `_t{i}`: the trace matches. */
  traceMatch: string;
}

const FLIPPED: Record<ComparisonOp, ComparisonOp> = { "=": "=", "!=": "!=", ">": "<", ">=": "<=", "<": ">", "<=": ">=", "=~": "=~", "!~": "!~" };
const COMPARISONS = new Set<string>(["=", "!=", ">", ">=", "<", "<=", "=~", "!~"]);

/** Flattens a spanset expression of filters, `&&` and `||` into its filters and match expressions. */
export function compileSpanset(expr: SpansetExpr): CompiledSpanset {
  const filters: FieldExpr[] = [];
  const walk = (e: SpansetExpr): { span: string; trace: string } => {
    if (e.type === "filter") {
      const i = filters.length;
      filters.push(e.expr);
      return { span: `_m${i}`, trace: `_t${i}` };
    }
    if (e.type === "pipeline" || (e.op !== "&&" && e.op !== "||")) {
      throw QueryError.invalid("TraceQL: this query needs the spanset evaluator (pipelines, structural operators)");
    }
    const l = walk(e.left);
    const r = walk(e.right);
    if (e.op === "||") return { span: `(${l.span} OR ${r.span})`, trace: `(${l.trace} OR ${r.trace})` };
    const trace = `(${l.trace} AND ${r.trace})`;
    return { span: `(${trace} AND (${l.span} OR ${r.span}))`, trace };
  };
  const { span, trace } = walk(expr);
  return { filters, spanMatch: span, traceMatch: trace };
}

/**
 * The filters a matching trace must have a span for: every spanset a query answers starts
 * from the spans of its first stage's filters. Null: any span may start one (a pipeline
 * opening with by(), select() or a scalar filter).
 */
export function entryFilters(expr: SpansetExpr): FieldExpr[] | null {
  if (expr.type === "filter") return [expr.expr];
  if (expr.type === "spanset_op") {
    const l = entryFilters(expr.left);
    const r = entryFilters(expr.right);
    return l === null || r === null ? null : [...l, ...r];
  }
  const first = expr.stages[0]!;
  return first.type === "filter" || first.type === "spanset_op" || first.type === "pipeline" ? entryFilters(first) : null;
}

/**
 * One filter's span predicate. `extra` predicates (legacy tags, min/max duration) are ANDed
 * in: they narrow which spans count, exactly like writing them inside each `{ }`.
 */
export function filterSql(condition: FieldExpr | null, extra: readonly string[], ctx: ConditionContext): string {
  const parts = [...(condition ? [conditionSql(condition, ctx)] : []), ...extra].filter((p) => p !== "TRUE");
  return parts.length === 0 ? "TRUE" : parts.join(" AND ");
}

export function conditionSql(e: FieldExpr, ctx: ConditionContext): string {
  if (e.type === "bool") return e.value ? "TRUE" : "FALSE";
  if (e.type === "binary" && (e.op === "&&" || e.op === "||")) {
    const l = conditionSql(e.left, ctx);
    const r = conditionSql(e.right, ctx);
    return `(${l} ${e.op === "&&" ? "AND" : "OR"} ${r})`;
  }
  if (e.type === "binary" && COMPARISONS.has(e.op)) {
    const sql = fieldComparison(e, ctx);
    if (sql !== null) return sql;
  }
  if (ctx.relaxed) return "TRUE";
  throw QueryError.invalid("TraceQL: this condition needs the spanset evaluator");
}

/** `field op literal` (either order) as SQL; null when SQL cannot say it exactly. */
function fieldComparison(e: BinaryExpr, ctx: ConditionContext): string | null {
  const isLiteral = (x: FieldExpr): x is Literal =>
    x.type === "string" || x.type === "int" || x.type === "float" || x.type === "bool" || x.type === "duration" || x.type === "status" || x.type === "kind";
  const isRef = (x: FieldExpr): x is FieldRef => (x.type === "attribute" && !x.parent) || x.type === "intrinsic";
  let field: FieldRef;
  let value: Literal;
  let op = e.op as ComparisonOp;
  if (isRef(e.left) && isLiteral(e.right)) [field, value] = [e.left, e.right];
  else if (isLiteral(e.left) && isRef(e.right)) [field, value, op] = [e.right, e.left, FLIPPED[op]];
  else return null;
  return comparisonSql(field, op, value, ctx);
}

function comparisonSql(field: FieldRef, op: ComparisonOp, value: Literal, ctx: ConditionContext): string | null {
  if ((op === "=~" || op === "!~") && value.type !== "string") return null;
  if (field.type === "intrinsic") {
    switch (field.name) {
      case "span:name":
        return value.type === "string" ? stringCompare("name", op, value) : null;
      case "span:statusMessage":
        return value.type === "string" ? stringCompare("status_message", op, value) : null;
      case "span:id":
        return value.type === "string" ? stringCompare("span_id", op, value) : null;
      case "span:parentID":
        return value.type === "string" ? stringCompare("parent_span_id", op, value) : null;
      case "instrumentation:name":
        return value.type === "string" ? stringCompare("scope_name", op, value) : null;
      case "instrumentation:version":
        return value.type === "string" ? stringCompare("scope_version", op, value) : null;
      case "span:status":
        return value.type === "status" && (op === "=" || op === "!=") ? `(status_code ${sqlOp(op)} ${STATUS_CODE[value.value]})` : null;
      case "span:kind":
        return value.type === "kind" && (op === "=" || op === "!=") ? `(kind ${sqlOp(op)} ${KIND_CODE[value.value]})` : null;
      case "span:duration":
        return value.type === "duration" || value.type === "int" ? `(duration_nano ${sqlOp(op)} ${bigintSql(value.value)})` : null;
      case "trace:rootService":
        if (value.type !== "string") return null;
        return ctx.rootServiceName === null ? "TRUE" : stringCompare(ctx.rootServiceName, op, value);
      case "trace:rootName":
        if (value.type !== "string") return null;
        return ctx.rootName === null ? "TRUE" : stringCompare(ctx.rootName, op, value);
      default:
        return null;
    }
  }
  if (value.type === "status" || value.type === "kind") return null;
  const spanSide = () => attributeCompare("attributes", field.name, op, value);
  const resourceSide = () =>
    // service.name also lives in its own column: cheaper than parsing the JSON.
    field.name === "service.name" && value.type === "string"
      ? stringCompare("NULLIF(service_name, '')", op, value)
      : attributeCompare("resource_attributes", field.name, op, value);
  // Arrays match element-wise (evaluated in JS); the SQL only keeps spans that hold one.
  const arraySide = (column: AttributeColumn) =>
    ctx.relaxed ? ` OR (strpos(${column}, ${quoteLiteral(`"key":${JSON.stringify(field.name)},"value":{"arrayValue"`)}) > 0)` : "";
  switch (field.scope) {
    case "span":
      return `(${spanSide()}${arraySide("attributes")})`;
    case "resource":
      return `(${resourceSide()}${arraySide("resource_attributes")})`;
    case "unscoped":
      return `(${spanSide()} OR ${resourceSide()}${arraySide("attributes")}${arraySide("resource_attributes")})`;
    default:
      return null;
  }
}

function attributeCompare(column: AttributeColumn, key: string, op: ComparisonOp, value: Literal): string {
  const dedicated = dedicatedColumn(column, key);
  if (dedicated !== undefined) return dedicatedCompare(dedicated, op, value);
  const compare = typedCompare(attributeValueSql(column, key), op, value);
  // Equality: the whole KeyValue text must occur too — skips the JSON parse for most rows.
  if (op === "=" && value.type === "string") {
    return `(${containsKeyValueSql(column, key, "stringValue", JSON.stringify(value.value))} AND ${compare})`;
  }
  if (op === "=" && (value.type === "int" || value.type === "duration")) {
    const digits = value.value.toString();
    const guard = `(${containsKeyValueSql(column, key, "intValue", JSON.stringify(digits))} OR ${containsKeyValueSql(column, key, "doubleValue", digits)})`;
    return `(${guard} AND ${compare})`;
  }
  if (op === "=" && value.type === "bool") {
    return `(${containsKeyValueSql(column, key, "boolValue", String(value.value))} AND ${compare})`;
  }
  return compare;
}

/** Over a dedicated column (dedicated-sql.ts): same semantics, no JSON. */
function dedicatedCompare(column: string, op: ComparisonOp, value: Literal): string {
  switch (value.type) {
    case "string":
      return op === "=" ? stringEqualsSql(column, String(value.value)) : stringCompare(memberText(column, "s"), op, value);
    case "int":
    case "duration":
      return numericCompareSql(column, sqlOp(op), bigintSql(value.value as bigint), false);
    case "float":
      return numericCompareSql(column, sqlOp(op), floatSql(value.value as number), true);
    case "bool":
      return boolCompareSql(column, sqlOp(op), value.value as boolean);
    default:
      throw new Error(`literal ${value.type} is not comparable with an attribute (the caller filters it out)`);
  }
}

/** Tempo semantics: a missing attribute or one of another type never matches (NULL → false). */
function typedCompare(anyValue: string, op: ComparisonOp, value: Literal): string {
  switch (value.type) {
    case "string":
      return stringCompare(stringOf(anyValue), op, value);
    case "int":
    case "duration":
      return withValue(anyValue, (v) => `coalesce(${intOf(v)} ${sqlOp(op)} ${bigintSql(value.value)}, ${doubleOf(v)} ${sqlOp(op)} ${bigintSql(value.value)})`);
    case "float":
      return withValue(anyValue, (v) => `(coalesce(CAST(${intOf(v)} AS DOUBLE), ${doubleOf(v)}) ${sqlOp(op)} ${floatSql(value.value)})`);
    case "bool":
      return `(${boolOf(anyValue)} ${sqlOp(op)} ${value.value ? "TRUE" : "FALSE"})`;
    default:
      throw new Error(`literal ${value.type} is not comparable with an attribute (the caller filters it out)`);
  }
}

export function stringCompare(sql: string, op: ComparisonOp, value: Literal): string {
  const lit = quoteLiteral(String((value as { value: unknown }).value));
  if (op === "=~") return `regexp_full_match(${sql}, ${lit})`;
  if (op === "!~") return `(NOT regexp_full_match(${sql}, ${lit}))`;
  return `(${sql} ${sqlOp(op)} ${lit})`;
}

function sqlOp(op: ComparisonOp): string {
  if (op === "=~" || op === "!~") throw new Error("regex operators are handled by stringCompare");
  return op === "!=" ? "<>" : op;
}

export function bigintSql(value: bigint): string {
  return `CAST(${BigInt.asIntN(64, value).toString()} AS BIGINT)`;
}

function floatSql(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`non-finite float literal ${value}`);
  return `CAST(${String(value)} AS DOUBLE)`;
}
