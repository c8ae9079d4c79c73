/**
 * Recursive-descent parser for the whole of TraceQL (Tempo's `pkg/traceql/expr.y`): spanset
 * filters, spanset and structural operators, pipelines (scalar filters, by, coalesce, select),
 * metrics functions with their second stages and arithmetic, hints. Where Tempo's LALR
 * grammar decides between readings of a `(`, this parser tries them in turn and reports the
 * error that got furthest. The tree is then validated (validate.ts) as Tempo does.
 */
import type {
  Aggregate,
  AggregateFn,
  FieldRef,
  Hints,
  Literal,
  MetricsExpr,
  MetricsFirstStage,
  MetricsFn,
  MetricsMathOp,
  PipelineStage,
  ScalarCompareOp,
  ScalarExpr,
  SecondStage,
  SpansetExpr,
  SpansetFilter,
  SpansetOp,
  TraceQLQuery,
} from "./ast.ts";
import { TraceQLError } from "./errors.ts";
import { fieldExpression, fieldRef, literal } from "./field-parser.ts";
import { tokenize } from "./lexer.ts";
import { foldScalar, metricsFilterValue, metricsScalar } from "./scalar-fold.ts";
import { TokenStream } from "./token-stream.ts";
import { validateQuery } from "./validate.ts";

const LOGICAL_OPS = new Set(["&&", "||"]);
const STRUCTURAL_OPS = new Set([">", "<", ">>", "<<", "~", "!>", "!<", "!>>", "!<<", "!~", "&>", "&<", "&>>", "&<<", "&~"]);
const SCALAR_COMPARE = new Set(["=", "!=", ">", ">=", "<", "<="]);
const AGGREGATES = new Set(["count", "avg", "min", "max", "sum"]);
const METRICS_FNS = new Set([
  "rate", "count_over_time", "min_over_time", "max_over_time", "avg_over_time", "sum_over_time", "quantile_over_time",
  "histogram_over_time", "compare",
]);
const SECOND_STAGE_FNS = new Set(["topk", "bottomk"]);

/** Parses and validates a TraceQL query; throws TraceQLError (400) naming the position. */
export function parseTraceQL(query: string): TraceQLQuery {
  const ts = new TokenStream(tokenize(query));
  if (ts.current.kind === "eof") return { kind: "search", expr: { type: "filter", expr: { type: "bool", value: true, pos: 0 }, pos: 0 }, hints: {} };
  const start = ts.index;
  const attempts: TraceQLError[] = [];
  for (const alternative of [searchOrMetricsPipeline, metricsExpressionRoot]) {
    ts.index = start;
    const parsed = ts.attempt(() => {
      const body = alternative(ts);
      const hints = hintsOf(ts);
      if (ts.current.kind !== "eof") ts.fail("an operator, a pipeline stage ( | ... ), with(...) or end of query");
      return { ...body, hints } as TraceQLQuery;
    });
    if (!(parsed instanceof TraceQLError)) {
      validateQuery(parsed);
      return parsed;
    }
    attempts.push(parsed);
  }
  throw attempts.reduce((best, e) => (e.position > best.position ? e : best));
}

/** A query for `/api/search`: a metrics query there is a 400 pointing to the metrics API. */
export function parseTraceQLSearch(query: string): SpansetExpr {
  const parsed = parseTraceQL(query);
  if (parsed.kind === "metrics") {
    throw new TraceQLError("a metrics query cannot be searched", 0, "a spanset query here; metrics queries go to /api/metrics/query_range");
  }
  return parsed.expr;
}

// ---------------------------------------------------------------- spansets and pipelines

/** `spansetPipeline [| metricsFunction secondStages]`. */
function searchOrMetricsPipeline(ts: TokenStream): Omit<TraceQLQuery, "hints"> {
  const pos = ts.current.pos;
  const pipeline = spansetPipeline(ts);
  if (!ts.isPunct("|")) return { kind: "search", expr: pipeline };
  ts.next();
  if (ts.current.kind === "ident" && SECOND_STAGE_FNS.has(ts.current.str)) ts.fail(`a metrics function before ${ts.current.str}() (rate(), count_over_time(), ...)`);
  const aggregation = metricsFirstStage(ts);
  return { kind: "metrics", expr: { type: "metrics_pipeline", pipeline, aggregation, stages: secondStages(ts), pos } };
}

/** Stages joined by `|`, stopping before a metrics function (the caller's). */
function spansetPipeline(ts: TokenStream): SpansetExpr {
  const pos = ts.current.pos;
  if (ts.isIdent("coalesce")) ts.fail("a spanset filter, scalar filter, by() or select() (a pipeline cannot start with coalesce())");
  const stages: PipelineStage[] = [pipelineStage(ts)];
  while (ts.isPunct("|") && !startsMetricsStage(ts.peek())) {
    ts.next();
    stages.push(pipelineStage(ts));
  }
  const first = stages[0]!;
  if (stages.length === 1 && (first.type === "filter" || first.type === "spanset_op" || first.type === "pipeline")) return first;
  return { type: "pipeline", stages, pos };
}

function startsMetricsStage(t: { kind: string; str: string }): boolean {
  return t.kind === "ident" && (METRICS_FNS.has(t.str) || SECOND_STAGE_FNS.has(t.str));
}

function pipelineStage(ts: TokenStream): PipelineStage {
  const t = ts.current;
  if (t.kind === "ident") {
    if (t.str === "by" && ts.peek().text === "(") {
      ts.next();
      ts.expectPunct("(");
      const field = fieldExpression(ts);
      ts.expectPunct(")", '")"');
      return { type: "by", field, pos: t.pos };
    }
    if (t.str === "coalesce" && ts.peek().text === "(") {
      ts.next();
      ts.expectPunct("(");
      ts.expectPunct(")", '")" (coalesce takes no argument)');
      return { type: "coalesce", pos: t.pos };
    }
    if (t.str === "select" && ts.peek().text === "(") {
      ts.next();
      ts.expectPunct("(");
      const fields = fieldRefList(ts);
      ts.expectPunct(")", '"," or ")"');
      return { type: "select", fields, pos: t.pos };
    }
    if (AGGREGATES.has(t.str)) return scalarFilter(ts);
    ts.fail("a spanset filter { ... }, a scalar filter (count() > 1, avg(duration) > 1s, ...), by(), coalesce() or select()");
  }
  if (t.kind === "int" || t.kind === "float" || t.kind === "duration" || ts.isPunct("-")) return scalarFilter(ts);
  if (ts.isPunct("(")) {
    const spanset = ts.attempt(() => spansetExpression(ts));
    if (!(spanset instanceof TraceQLError)) return spanset;
    const scalar = ts.attempt(() => scalarFilter(ts));
    if (!(scalar instanceof TraceQLError)) return scalar;
    throw spanset.position >= scalar.position ? spanset : scalar;
  }
  return spansetExpression(ts);
}

/** `&&` / `||` below the structural operators, each level left to right (Tempo's precedences). */
function spansetExpression(ts: TokenStream): SpansetExpr {
  let left = structural(ts);
  while (ts.current.kind === "punct" && LOGICAL_OPS.has(ts.current.text)) {
    const op = ts.next();
    left = { type: "spanset_op", op: op.text as SpansetOp, left, right: structural(ts), pos: left.pos };
  }
  return left;
}

function structural(ts: TokenStream): SpansetExpr {
  let left = spansetPrimary(ts);
  while (ts.current.kind === "punct" && STRUCTURAL_OPS.has(ts.current.text)) {
    const op = ts.next();
    left = { type: "spanset_op", op: op.text as SpansetOp, left, right: spansetPrimary(ts), pos: left.pos };
  }
  return left;
}

function spansetPrimary(ts: TokenStream): SpansetExpr {
  if (ts.isPunct("(")) {
    ts.next();
    const inner = spansetPipeline(ts);
    ts.expectPunct(")", '")", a spanset operator or a pipeline stage');
    return inner;
  }
  return spansetFilter(ts);
}

function spansetFilter(ts: TokenStream): SpansetFilter {
  const open = ts.expectPunct("{", 'a spanset filter "{ ... }"');
  if (ts.isPunct("}")) {
    ts.next();
    return { type: "filter", expr: { type: "bool", value: true, pos: open.pos }, pos: open.pos };
  }
  const expr = fieldExpression(ts);
  ts.expectPunct("}", '"}" or an operator');
  return { type: "filter", expr, pos: open.pos };
}

// ---------------------------------------------------------------- scalar filters

/** `aggregate op scalar`, `scalar op aggregate`...: at least one side holds an aggregate. */
function scalarFilter(ts: TokenStream): PipelineStage {
  const pos = ts.current.pos;
  const left = scalarExpression(ts);
  if (!(ts.current.kind === "punct" && SCALAR_COMPARE.has(ts.current.text))) {
    ts.fail(hasAggregate(left) ? "a comparison (=, !=, <, <=, >, >=) after the aggregate" : "an operator");
  }
  const op = ts.next().text as ScalarCompareOp;
  const right = scalarExpression(ts);
  if (!hasAggregate(left) && !hasAggregate(right)) ts.fail("an aggregate (count(), avg(), min(), max(), sum()) in a scalar filter", pos);
  return { type: "scalar_filter", op, left: foldScalar(ts, left), right: foldScalar(ts, right), pos };
}

function hasAggregate(e: ScalarExpr): boolean {
  return e.type === "aggregate" || (e.type === "scalar_op" && (hasAggregate(e.left) || hasAggregate(e.right)));
}

function scalarExpression(ts: TokenStream): ScalarExpr {
  let left = scalarTerm(ts);
  while (ts.isPunct("+") || ts.isPunct("-")) {
    const op = ts.next().text as "+" | "-";
    left = { type: "scalar_op", op, left, right: scalarTerm(ts), pos: left.pos };
  }
  return left;
}

function scalarTerm(ts: TokenStream): ScalarExpr {
  let left = scalarPower(ts);
  while (ts.isPunct("*") || ts.isPunct("/") || ts.isPunct("%")) {
    const op = ts.next().text as "*" | "/" | "%";
    left = { type: "scalar_op", op, left, right: scalarPower(ts), pos: left.pos };
  }
  return left;
}

function scalarPower(ts: TokenStream): ScalarExpr {
  const base = scalarPrimary(ts);
  if (!ts.isPunct("^")) return base;
  ts.next();
  return { type: "scalar_op", op: "^", left: base, right: scalarPower(ts), pos: base.pos };
}

function scalarPrimary(ts: TokenStream): ScalarExpr {
  const t = ts.current;
  if (ts.isPunct("(")) {
    ts.next();
    const inner = scalarExpression(ts);
    ts.expectPunct(")", '")" or an operator');
    return inner;
  }
  if (ts.isPunct("-")) {
    ts.next();
    const operand = scalarPrimary(ts);
    return { type: "scalar_op", op: "-", left: { type: "int", value: 0n, pos: t.pos }, right: operand, pos: t.pos };
  }
  if (t.kind === "ident" && AGGREGATES.has(t.str)) return aggregate(ts);
  if (t.kind === "int" || t.kind === "float" || t.kind === "duration") return literal(ts);
  ts.fail("an aggregate (count(), avg(...), min(...), max(...), sum(...)) or a number");
}

function aggregate(ts: TokenStream): Aggregate {
  const t = ts.next();
  const fn = t.str as AggregateFn;
  ts.expectPunct("(", `"(" after ${fn}`);
  if (fn === "count") {
    ts.expectPunct(")", '")" (count takes no argument)');
    return { type: "aggregate", fn, field: null, pos: t.pos };
  }
  if (ts.isPunct(")")) ts.fail(`a field expression: ${fn}() needs one, like ${fn}(duration)`);
  const field = fieldExpression(ts);
  ts.expectPunct(")", '")"');
  return { type: "aggregate", fn, field, pos: t.pos };
}

// ---------------------------------------------------------------- metrics

function metricsFirstStage(ts: TokenStream): MetricsFirstStage {
  const t = ts.current;
  if (t.kind !== "ident" || !METRICS_FNS.has(t.str)) {
    ts.fail("a pipeline stage or a metrics function (rate, count_over_time, min/max/avg/sum_over_time, quantile_over_time, histogram_over_time, compare)");
  }
  ts.next();
  ts.expectPunct("(", `"(" after ${t.str}`);
  if (t.str === "compare") {
    const filter = spansetFilter(ts);
    const ints: bigint[] = [];
    while (ts.isPunct(",")) {
      ts.next();
      if (ts.current.kind !== "int") ts.fail("an integer (compare's topN, start, end)");
      ints.push(ts.next().big);
    }
    if (ints.length !== 0 && ints.length !== 1 && ints.length !== 3) ts.fail('compare({...}), compare({...}, topN) or compare({...}, topN, start, end)');
    ts.expectPunct(")", '"," or ")"');
    return { type: "compare", filter, topN: ints.length ? Number(ints[0]) : 10, start: ints[1] ?? 0n, end: ints[2] ?? 0n, pos: t.pos };
  }
  const fn = t.str as MetricsFn;
  let attribute: FieldRef | null = null;
  const quantiles: number[] = [];
  if (fn !== "rate" && fn !== "count_over_time") {
    attribute = fieldRef(ts);
    if (fn === "quantile_over_time") {
      ts.expectPunct(",", '"," and the quantiles, like quantile_over_time(duration, .5, .99)');
      do {
        if (ts.current.kind !== "int" && ts.current.kind !== "float") ts.fail("a quantile (a number like .5 or 0.99)");
        quantiles.push(ts.next().num);
      } while (ts.isPunct(",") && ts.next());
    }
  }
  ts.expectPunct(")", fn === "rate" || fn === "count_over_time" ? `")" (${fn} takes no argument)` : '")"');
  let by: FieldRef[] = [];
  if (ts.isIdent("by")) {
    ts.next();
    ts.expectPunct("(", '"(" after by');
    by = fieldRefList(ts);
    ts.expectPunct(")", '"," or ")"');
  }
  return { type: "metrics_aggregation", fn, attribute, quantiles, by, pos: t.pos };
}

/** `| topk(n)`, `| bottomk(n)`, `> 10` after a metrics function, any number of them. */
function secondStages(ts: TokenStream): SecondStage[] {
  const stages: SecondStage[] = [];
  for (;;) {
    const t = ts.current;
    if (ts.isPunct("|") && ts.peek().kind === "ident" && SECOND_STAGE_FNS.has(ts.peek().str)) {
      ts.next();
      const fn = ts.next();
      ts.expectPunct("(", `"(" after ${fn.str}`);
      if (ts.current.kind !== "int") ts.fail(`a positive integer: ${fn.str}(n)`);
      const limit = Number(ts.next().big);
      ts.expectPunct(")", '")"');
      stages.push({ type: fn.str as "topk" | "bottomk", limit, pos: fn.pos });
      continue;
    }
    if (t.kind === "punct" && SCALAR_COMPARE.has(t.text)) {
      ts.next();
      stages.push({ type: "metrics_filter", op: t.text as ScalarCompareOp, value: metricsFilterValue(ts, constant(ts)), pos: t.pos });
      continue;
    }
    return stages;
  }
}

/** A root made of parenthesised metrics pipelines, arithmetic between them and numbers. */
function metricsExpressionRoot(ts: TokenStream): Omit<TraceQLQuery, "hints"> {
  const pos = ts.current.pos;
  const expr = metricsSum(ts);
  if (expr === null) ts.fail("a metrics pipeline in parentheses, like ({} | rate())", pos);
  const stages = secondStages(ts);
  if (stages.length === 0) return { kind: "metrics", expr };
  if (expr.type === "metrics_pipeline") return { kind: "metrics", expr: { ...expr, stages: [...expr.stages, ...stages] } };
  return { kind: "metrics", expr: { type: "metrics_staged", expr, stages, pos } };
}

/** A metrics expression, or null for a constant (the caller decides whether one may stand there). */
type MetricsOrConstant = MetricsExpr | Literal;

function metricsSum(ts: TokenStream): MetricsExpr | null {
  const e = metricsBinary(ts, 0);
  return isConstant(e) ? null : e;
}

const METRICS_PRECEDENCE: Record<string, number> = { "+": 1, "-": 1, "*": 2, "/": 2 };

/** Precedence climbing over `+ - * /`; constants fold, a metrics operand makes the node metrics math. */
function metricsBinary(ts: TokenStream, minPrecedence: number): MetricsOrConstant {
  // Metrics operands are only ever `+ - * /`: `%`, `^` and `>>` between them are refused.
  let left = metricsOperand(ts);
  for (;;) {
    const t = ts.current;
    const prec = t.kind === "punct" ? METRICS_PRECEDENCE[t.text] : undefined;
    if (prec === undefined || prec < minPrecedence) return left;
    ts.next();
    const right = metricsBinary(ts, prec + 1);
    left = combineMetrics(ts, t.text as MetricsMathOp, left, right, t.pos);
  }
}

function isConstant(e: MetricsOrConstant): e is Literal {
  return e.type === "int" || e.type === "float" || e.type === "duration";
}

function combineMetrics(ts: TokenStream, op: MetricsMathOp, left: MetricsOrConstant, right: MetricsOrConstant, pos: number): MetricsOrConstant {
  if (isConstant(left) && isConstant(right)) return foldScalar(ts, { type: "scalar_op", op, left, right, pos }) as Literal;
  if (isConstant(left)) return { type: "metrics_scalar_math", op, scalar: metricsScalar(ts, left), expr: right as MetricsExpr, scalarOnLeft: true, pos };
  if (isConstant(right)) return { type: "metrics_scalar_math", op, scalar: metricsScalar(ts, right), expr: left, scalarOnLeft: false, pos };
  return { type: "metrics_math", op, left, right, pos };
}

function metricsOperand(ts: TokenStream): MetricsOrConstant {
  const t = ts.current;
  if (t.kind === "int" || t.kind === "float" || t.kind === "duration") return literal(ts);
  if (ts.isPunct("-")) {
    ts.next();
    const operand = metricsOperand(ts);
    if (!isConstant(operand)) ts.fail("a number after a unary minus", t.pos + 1);
    return foldScalar(ts, { type: "scalar_op", op: "-", left: { type: "int", value: 0n, pos: t.pos }, right: operand, pos: t.pos }) as Literal;
  }
  ts.expectPunct("(", "a metrics pipeline in parentheses, like ({} | rate()), or a number");
  // `( pipeline | metricsFunction stages )` or `( metricsExpression )` or `( constant )`.
  const wrapped = ts.attempt(() => {
    const pos = ts.current.pos;
    const pipeline = spansetPipeline(ts);
    ts.expectPunct("|", '"|" and a metrics function');
    const aggregation = metricsFirstStage(ts);
    const stages = secondStages(ts);
    ts.expectPunct(")", '")" or a second stage (| topk(n), > 10)');
    return { type: "metrics_pipeline", pipeline, aggregation, stages, pos } as MetricsExpr;
  });
  if (!(wrapped instanceof TraceQLError)) return wrapped;
  const inner = ts.attempt(() => {
    const e = metricsBinary(ts, 0);
    ts.expectPunct(")", '")" or an operator');
    return e;
  });
  if (!(inner instanceof TraceQLError)) return inner;
  throw wrapped.position >= inner.position ? wrapped : inner;
}

/** A number after a metrics comparison: constants fold (`> 1 / 2`). */
function constant(ts: TokenStream): Literal {
  const e = metricsBinary(ts, 0);
  if (!isConstant(e)) ts.fail("a number");
  return e;
}

// ---------------------------------------------------------------- lists and hints

function fieldRefList(ts: TokenStream): FieldRef[] {
  const refs = [fieldRef(ts)];
  while (ts.isPunct(",")) {
    ts.next();
    refs.push(fieldRef(ts));
  }
  return refs;
}

/** `with(name = value, ...)`, possibly more than once. */
function hintsOf(ts: TokenStream): Hints {
  const hints: Hints = {};
  while (ts.isIdent("with")) {
    ts.next();
    ts.expectPunct("(", '"(" after with');
    do {
      if (ts.current.kind !== "ident") ts.fail("a hint name, like most_recent or sample");
      const name = ts.next().str;
      ts.expectPunct("=", `"=" after the hint ${name}`);
      hints[name] = hintValue(ts);
    } while (ts.isPunct(",") && ts.next());
    ts.expectPunct(")", '"," or ")"');
  }
  return hints;
}

function hintValue(ts: TokenStream): Literal {
  if (ts.isPunct("-")) {
    const minus = ts.next();
    const v = literal(ts);
    if (v.type === "int" || v.type === "duration") return { ...v, value: -v.value, pos: minus.pos };
    if (v.type === "float") return { ...v, value: -v.value, pos: minus.pos };
    ts.fail("a number after -", v.pos);
  }
  return literal(ts);
}
