/**
 * TraceQL AST → SQL predicates over span rows. A spanset expression becomes:
 * - one span-level boolean per spanset filter (`_m0`, `_m1`, ...),
 * - trace-level flags `_t{i}` = bool_or(`_m{i}`) over the trace,
 * - `traceMatch` (does the trace match?) and `spanMatch` (is this span in the result spanset?)
 *   combining them: `A && B` keeps the spans of both when both exist; `A || B` the union.
 */
import { quoteLiteral } from "../../../shared/duckdb/index.ts";
import {
  KIND_CODE,
  STATUS_CODE,
  type Comparison,
  type ComparisonOp,
  type Condition,
  type Literal,
  type SpansetExpr,
} from "../../../shared/query/traceql/index.ts";
import { boolCompareSql, dedicatedColumn, memberText, numericCompareSql, stringEqualsSql } from "./dedicated-sql.ts";
import { attributeValueSql, boolOf, containsKeyValueSql, doubleOf, intOf, stringOf, withValue, type AttributeColumn } from "./attribute-sql.ts";

export interface ConditionContext {
  /**
   * SQL of the trace's root service / root span name; null in the candidate pass, where
   * comparisons on them relax to TRUE (conditions have no negation, so relaxing only widens).
   */
  rootServiceName: string | null;
  rootName: string | null;
}

export interface CompiledSpanset {
  /** One span-level condition per spanset filter (`_m{i}` order); null for `{}`. */
  filters: (Condition | null)[];
  /** Over `_m{i}` and `_t{i}`: the span belongs to the matched spanset. */
  spanMatch: string;
  /** Over `_t{i}`: the trace matches. */
  traceMatch: string;
}

/** Flattens a spanset expression into its filters and the span / trace match expressions. */
export function compileSpanset(expr: SpansetExpr): CompiledSpanset {
  const filters: (Condition | null)[] = [];
  const walk = (e: SpansetExpr): { span: string; trace: string } => {
    if (e.type === "filter") {
      const i = filters.length;
      filters.push(e.condition);
      return { span: `_m${i}`, trace: `_t${i}` };
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
 * One filter's span predicate. `extra` predicates (legacy tags, min/max duration) are ANDed
 * in: they narrow which spans count, exactly like writing them inside each `{ }`.
 */
export function filterSql(condition: Condition | null, extra: readonly string[], ctx: ConditionContext): string {
  const parts = [...(condition ? [conditionSql(condition, ctx)] : []), ...extra];
  return parts.length === 0 ? "TRUE" : parts.join(" AND ");
}

export function conditionSql(cond: Condition, ctx: ConditionContext): string {
  if (cond.type === "logical") {
    return `(${conditionSql(cond.left, ctx)} ${cond.op === "&&" ? "AND" : "OR"} ${conditionSql(cond.right, ctx)})`;
  }
  return comparisonSql(cond, ctx);
}

function comparisonSql(c: Comparison, ctx: ConditionContext): string {
  const { field, op, value } = c;
  if (field.type === "intrinsic") {
    switch (field.name) {
      case "name":
        return stringCompare("name", op, value);
      case "status":
        return `(status_code ${sqlOp(op)} ${STATUS_CODE[value.value as keyof typeof STATUS_CODE]})`;
      case "kind":
        return `(kind ${sqlOp(op)} ${KIND_CODE[value.value as keyof typeof KIND_CODE]})`;
      case "duration":
        return `(duration_nano ${sqlOp(op)} ${bigintSql(value.value as bigint)})`;
      case "rootServiceName":
        return ctx.rootServiceName === null ? "TRUE" : stringCompare(ctx.rootServiceName, op, value);
      case "rootName":
        return ctx.rootName === null ? "TRUE" : stringCompare(ctx.rootName, op, value);
    }
  }
  const spanSide = () => attributeCompare("attributes", field.name, op, value);
  const resourceSide = () =>
    // service.name also lives in its own column: cheaper than parsing the JSON.
    field.name === "service.name" && value.type === "string"
      ? stringCompare("NULLIF(service_name, '')", op, value)
      : attributeCompare("resource_attributes", field.name, op, value);
  if (field.scope === "span") return spanSide();
  if (field.scope === "resource") return resourceSide();
  return `(${spanSide()} OR ${resourceSide()})`;
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
      throw new Error(`literal ${value.type} is not comparable with an attribute (parser should have refused it)`);
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
      throw new Error(`literal ${value.type} is not comparable with an attribute (parser should have refused it)`);
  }
}

export function stringCompare(sql: string, op: ComparisonOp, value: Literal): string {
  const lit = quoteLiteral(String(value.value));
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
