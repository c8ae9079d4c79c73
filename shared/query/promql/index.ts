import { stepTimes, stepGrid } from "../../series/grid.ts";
import type { SeriesSource } from "../../series/types.ts";
import type { Expr } from "./ast.ts";
import { PromQLError } from "./errors.ts";
import { Evaluation, instantResult, rangeResult, run } from "./evaluator.ts";
import { parsePromQL } from "./parser.ts";
import type { EvaluateOptions, QueryData } from "./result.ts";
import { typeOf } from "./types.ts";
import type { ScalarValue, VectorValue } from "./values.ts";

export * from "./ast.ts";
export { parseError, PromQLError, type PromErrorType, SERIES_LIMIT_KEY, tooManySamples, tooManySeries } from "./errors.ts";
export { formatTime, formatValue } from "./format.ts";
export { parsePromQL } from "./parser.ts";
export { typeOf } from "./types.ts";
export {
  DEFAULT_LOOKBACK_DELTA_MS, DEFAULT_MAX_SAMPLES, DEFAULT_SUBQUERY_STEP_MS,
  type EvaluateOptions, type QueryData, type SamplePair,
} from "./result.ts";

const parsed = (query: string | Expr): Expr => (typeof query === "string" ? parsePromQL(query) : query);

/** Whether the answer keeps the engine's order (sorting functions and top/bottom-k decide it). */
function ordered(e: Expr): boolean {
  while (e.type === "Paren") e = e.expr;
  if (e.type === "Call") return e.func === "sort" || e.func === "sort_desc";
  return e.type === "Aggregate" && (e.op === "topk" || e.op === "bottomk");
}

/** Evaluates a PromQL query at one instant: Prometheus's `/api/v1/query` answer data. */
export async function evaluateInstant(
  source: SeriesSource,
  query: string | Expr,
  timeMs: number,
  options: EvaluateOptions = {},
): Promise<QueryData> {
  const expr = parsed(query);
  const evaluation = new Evaluation(source, timeMs, timeMs, undefined, options);
  return run(evaluation, async () => {
    const value = await evaluation.eval(expr, { times: new Float64Array([timeMs]) });
    return instantResult(value, timeMs, ordered(expr));
  });
}

/** Evaluates a PromQL query at every step of [start, end]: `/api/v1/query_range` answer data. */
export async function evaluateRange(
  source: SeriesSource,
  query: string | Expr,
  startMs: number,
  endMs: number,
  stepMs: number,
  options: EvaluateOptions = {},
): Promise<QueryData> {
  const expr = parsed(query);
  const type = typeOf(expr);
  if (type !== "scalar" && type !== "vector") {
    const name = type === "matrix" ? "range vector" : "string";
    throw new PromQLError("bad_data", `invalid expression type ${JSON.stringify(name)} for range query, must be Scalar or instant Vector`);
  }
  if (!(stepMs > 0)) throw new PromQLError("bad_data", "zero or negative query resolution step widths are not accepted. Try a positive integer");
  if (endMs < startMs) throw new PromQLError("bad_data", "end timestamp must not be before start time");
  const times = stepTimes(stepGrid(startMs, endMs, stepMs));
  const evaluation = new Evaluation(source, startMs, endMs, stepMs, options);
  return run(evaluation, async () => {
    const value = (await evaluation.eval(expr, { times })) as ScalarValue | VectorValue;
    return rangeResult(value, times);
  });
}
