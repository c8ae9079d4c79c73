/**
 * TraceQL metrics (Tempo's `/api/metrics/query_range` and `/api/metrics/query`): the query
 * shape the evaluator reads, Tempo's time grid, rows → series on the shared series engine,
 * and Tempo's JSON answers. The querier runs the SQL that produces the rows
 * (services/querier/engine/traceql-metrics/).
 */
export * from "./ast.ts";
export { isMetricsQuery, parseMetricsQuery } from "./parser.ts";
export * from "./request.ts";
export * from "./rows.ts";
export { buildSeries, compareSeries, type MetricsExemplar, type MetricsSeries } from "./series.ts";
export { anyValueOf, promLabelsText, promValueOf, type AnyValueJson } from "./labels.ts";
export * from "./response.ts";
