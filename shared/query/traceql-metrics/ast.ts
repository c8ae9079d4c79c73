/**
 * What the TraceQL metrics evaluator needs of a query: the spanset expression that selects
 * spans, the first (span → series) stage and the second (series → series) stages, read off
 * the language's tree (shared/query/traceql) by parser.ts.
 */
import type { SpansetExpr, SpansetFilter } from "../traceql/index.ts";

export const METRICS_FUNCTIONS = [
  "rate", "count_over_time", "min_over_time", "max_over_time", "avg_over_time", "sum_over_time",
  "quantile_over_time", "histogram_over_time", "compare",
] as const;
export type MetricsFunction = (typeof METRICS_FUNCTIONS)[number];

/** Functions over an attribute's value (the first argument). */
export const VALUE_FUNCTIONS: ReadonlySet<MetricsFunction> = new Set([
  "min_over_time", "max_over_time", "avg_over_time", "sum_over_time", "quantile_over_time", "histogram_over_time",
]);

/** Intrinsics a metrics stage can read or group by. */
export const METRICS_INTRINSICS = [
  "duration", "name", "status", "kind", "statusMessage", "rootName", "rootServiceName", "traceDuration", "spanID", "traceID",
] as const;
export type MetricsIntrinsic = (typeof METRICS_INTRINSICS)[number];

/** An attribute as a metrics stage names it; `label` is how Tempo prints it (its series label). */
export type MetricsAttribute =
  | { type: "intrinsic"; name: MetricsIntrinsic; label: string; pos: number }
  | { type: "attribute"; scope: "span" | "resource" | "unscoped"; name: string; label: string; pos: number };

export interface MetricsStage {
  fn: MetricsFunction;
  /** The value the function reads (`duration`, `span.http.response.size`, ...). */
  attribute?: MetricsAttribute;
  /** quantile_over_time's quantiles, in the order written. */
  quantiles?: number[];
  by: MetricsAttribute[];
  compare?: { filter: SpansetFilter; topN: number; startNs?: bigint; endNs?: bigint };
  pos: number;
}

/** `| topk(n)`, `| bottomk(n)`, or a filter on the values (`> 10`). */
export type SecondStage =
  | { op: "topk" | "bottomk"; limit: number; pos: number }
  | { op: "filter"; compare: "=" | "!=" | ">" | ">=" | "<" | "<="; value: number; pos: number };

export type HintValue = string | number | boolean;

export interface MetricsQuery {
  spanset: SpansetExpr;
  stage: MetricsStage;
  second: SecondStage[];
  /** `with(...)` hints; only `exemplars` changes the answer. */
  hints: Record<string, HintValue>;
}

