/**
 * Tempo's semantic checks (`ast_validate.go`) over a parsed query: operand types of every
 * operator, spanset filters that resolve to a boolean, aggregates and `by()` that reference
 * the span, `= nil` on what can never be nil, valid regexes, `topk(n)` with n > 0, and
 * `compare()` without second stages or arithmetic. What Tempo parses but does not run
 * (`parent`, scalar filters between two aggregates) is refused as unsupported.
 */
import {
  INTRINSIC_TYPE,
  type BinaryOp,
  type FieldExpr,
  type MetricsExpr,
  type PipelineStage,
  type ScalarExpr,
  type SpansetExpr,
  type StaticType,
  type TraceQLQuery,
  type UnaryOp,
} from "./ast.ts";
import { TraceQLError } from "./errors.ts";
import { traceqlRegex } from "./regex.ts";

const BOOLEAN_OPS = new Set<BinaryOp>(["&&", "||", "=", "!=", "=~", "!~", ">", ">=", "<", "<="]);
const NUMERIC: ReadonlySet<StaticType> = new Set(["int", "float", "duration"]);

function invalid(problem: string, pos: number): never {
  throw new TraceQLError(problem, pos, "a valid query (see docs/traces-traceql.md)");
}

function unsupported(feature: string, pos: number): never {
  throw new TraceQLError(`${feature} is not supported (Tempo parses it but does not run it either)`, pos, "a supported query");
}

export function validateQuery(q: TraceQLQuery): void {
  if (q.kind === "search") validateSpanset(q.expr);
  else validateMetrics(q.expr, true);
}

function validateMetrics(e: MetricsExpr, root: boolean): void {
  switch (e.type) {
    case "metrics_pipeline": {
      validateSpanset(e.pipeline);
      const a = e.aggregation;
      if (a.type === "compare") {
        validateSpanset(a.filter);
        if (e.stages.length > 0 || !root) invalid("compare() cannot be used with second stage functions, filters or arithmetic", a.pos);
      } else {
        if (a.attribute) validateField(a.attribute);
        a.by.forEach(validateField);
        for (const q of a.quantiles) if (!(q >= 0 && q <= 1)) invalid(`quantile ${q} is not between 0 and 1`, a.pos);
      }
      validateStages(e.stages);
      return;
    }
    case "metrics_math":
      validateMetrics(e.left, false);
      validateMetrics(e.right, false);
      return;
    case "metrics_scalar_math":
      validateMetrics(e.expr, false);
      return;
    case "metrics_staged":
      validateMetrics(e.expr, false);
      validateStages(e.stages);
  }
}

function validateStages(stages: readonly { type: string; limit?: number; pos: number }[]): void {
  for (const s of stages) {
    if ((s.type === "topk" || s.type === "bottomk") && !(s.limit! > 0)) invalid(`${s.type}() needs a limit greater than 0`, s.pos);
  }
}

export function validateSpanset(e: SpansetExpr): void {
  switch (e.type) {
    case "filter": {
      validateField(e.expr);
      const t = typeOf(e.expr);
      if (t !== "attribute" && t !== "bool") invalid(`a spanset filter must resolve to a boolean, this one is ${t}`, e.expr.pos);
      return;
    }
    case "spanset_op":
      validateSpanset(e.left);
      validateSpanset(e.right);
      return;
    case "pipeline":
      e.stages.forEach(validateStage);
  }
}

function validateStage(s: PipelineStage): void {
  switch (s.type) {
    case "by":
      if (!referencesSpan(s.field)) invalid("by() must group by a field of the span, not a constant", s.field.pos);
      validateField(s.field);
      return;
    case "select":
      s.fields.forEach(validateField);
      return;
    case "coalesce":
      return;
    case "scalar_filter": {
      validateScalar(s.left);
      validateScalar(s.right);
      const lt = scalarType(s.left);
      const rt = scalarType(s.right);
      checkOperands(s.op, lt, rt, s.pos);
      if (s.left.type !== "aggregate") unsupported("a scalar filter whose left side is not a single aggregate", s.left.pos);
      if (s.right.type === "aggregate" || s.right.type === "scalar_op") unsupported("a scalar filter whose right side is not a number", s.right.pos);
      return;
    }
    default:
      validateSpanset(s);
  }
}

function validateScalar(e: ScalarExpr): void {
  if (e.type === "scalar_op") {
    validateScalar(e.left);
    validateScalar(e.right);
    checkOperands(e.op, scalarType(e.left), scalarType(e.right), e.pos);
    return;
  }
  if (e.type !== "aggregate" || e.field === null) return;
  validateField(e.field);
  const t = typeOf(e.field);
  if (t !== "attribute" && !NUMERIC.has(t)) invalid(`${e.fn}() needs a number, its field expression is ${t}`, e.field.pos);
  if (!referencesSpan(e.field)) invalid(`${e.fn}() must aggregate a field of the span, not a constant`, e.field.pos);
}

function scalarType(e: ScalarExpr): StaticType {
  if (e.type === "aggregate") return e.fn === "count" || e.field === null ? "int" : typeOf(e.field);
  if (e.type === "scalar_op") {
    const l = scalarType(e.left);
    return l !== "attribute" ? l : scalarType(e.right);
  }
  return typeOf(e);
}

function validateField(e: FieldExpr): void {
  switch (e.type) {
    case "attribute":
      if (e.parent) unsupported("parent.", e.pos);
      return;
    case "intrinsic":
      if (e.name === "parent") unsupported("the parent intrinsic", e.pos);
      return;
    case "binary": {
      validateField(e.left);
      validateField(e.right);
      checkOperands(e.op, typeOf(e.left), typeOf(e.right), e.pos);
      if (e.op === "=~" || e.op === "!~") {
        if (e.right.type !== "string") invalid(`${e.op} needs a string literal (a regular expression) on its right`, e.right.pos);
        try {
          traceqlRegex(e.right.value);
        } catch (err) {
          invalid(`invalid regex ${JSON.stringify(e.right.value)}: ${(err as Error).message}`, e.right.pos);
        }
      }
      return;
    }
    case "unary": {
      validateField(e.operand);
      if (e.op === "not_exists") {
        if (e.operand.type === "intrinsic") invalid(`${e.operand.text} = nil is not valid: intrinsics cannot be nil`, e.pos);
        if (e.operand.type === "attribute" && e.operand.scope === "resource" && e.operand.name === "service.name" && !e.operand.parent) {
          invalid("resource.service.name = nil is not valid: resource.service.name cannot be nil", e.pos);
        }
      }
      const t = typeOf(e.operand);
      if (t !== "attribute" && !unaryValid(e.op, t)) invalid(`${e.op === "-" ? "unary -" : "!"} cannot apply to a ${t}`, e.pos);
      return;
    }
    default:
      return;
  }
}

/** Tempo's `isMatchingOperand` and `binaryTypesValid`. */
function checkOperands(op: BinaryOp, l: StaticType, r: StaticType, pos: number): void {
  const matching = l === "attribute" || r === "attribute" || l === r || (NUMERIC.has(l) && NUMERIC.has(r)) || l === "nil" || r === "nil";
  if (!matching) invalid(`${op} must operate on values of the same type, not ${l} and ${r}`, pos);
  if (!binaryValid(op, l) || !binaryValid(op, r)) invalid(`${op} cannot operate on ${l === r ? l : `${l} and ${r}`}`, pos);
}

function binaryValid(op: BinaryOp, t: StaticType): boolean {
  switch (t) {
    case "attribute":
      return true;
    case "bool":
      return op === "&&" || op === "||" || op === "=" || op === "!=";
    case "int":
    case "float":
    case "duration":
      return ["+", "-", "*", "/", "%", "^", "=", "!=", ">", ">=", "<", "<="].includes(op);
    case "string":
      return ["=", "!=", "=~", "!~", ">", ">=", "<", "<="].includes(op);
    case "nil":
    case "status":
    case "kind":
      return op === "=" || op === "!=";
  }
}

function unaryValid(op: UnaryOp, t: StaticType): boolean {
  if (op === "-") return NUMERIC.has(t);
  if (op === "!") return t === "bool";
  return true;
}

/** Tempo's `impliedType`. */
export function typeOf(e: FieldExpr): StaticType {
  switch (e.type) {
    case "attribute":
      return "attribute";
    case "intrinsic":
      return INTRINSIC_TYPE[e.name];
    case "binary": {
      if (BOOLEAN_OPS.has(e.op)) return "bool";
      const l = typeOf(e.left);
      return l !== "attribute" ? l : typeOf(e.right);
    }
    case "unary":
      return e.op === "exists" || e.op === "not_exists" ? "bool" : typeOf(e.operand);
    default:
      return e.type;
  }
}

export function referencesSpan(e: FieldExpr): boolean {
  switch (e.type) {
    case "attribute":
    case "intrinsic":
      return true;
    case "binary":
      return referencesSpan(e.left) || referencesSpan(e.right);
    case "unary":
      return referencesSpan(e.operand);
    default:
      return false;
  }
}
