/**
 * The series engine: step grids, instant selection with lookback and staleness, range windows,
 * aggregation and vector matching over label sets, with no query language in it. PromQL
 * (shared/query/promql) compiles to it; LogQL and TraceQL metrics are meant to as well.
 */
export * from "./types.ts";
export * from "./grid.ts";
export * from "./labels.ts";
export * from "./samples.ts";
export * from "./time-order.ts";
export * from "./select.ts";
export * from "./stats.ts";
export * as rangeFunctions from "./range-functions.ts";
export { tailQuantiles } from "./tail-quantiles.ts";
export * from "./aggregate.ts";
export * from "./binary.ts";
export * from "./element-ops.ts";
export * from "./math.ts";
export * from "./histogram.ts";
export * from "./matchers.ts";
export { SeriesEngineError } from "./errors.ts";
