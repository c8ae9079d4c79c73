/** The querier's execution engine: query tickets over Parquet files + live rows → Arrow tables. */
export { QueryEngine, type QueryEngineOptions } from "./engine.ts";
export { forgetFileFacts } from "./file-facts.ts";
export type { QuerySources, TableSources } from "./source-view.ts";
export { builtInSql, type BuiltInQuery } from "./built-in-sql.ts";
export { createSourceView, filesViewSelect, type SourceViewOptions } from "./source-view.ts";
export { traceByIdOverSelect } from "./trace-by-id-sql.ts";
export { runSearch } from "./search-plan.ts";
export { searchScope, type SearchScope } from "./search-scope.ts";
export { TraceIdIndex } from "./trace-id-index.ts";
export { runTraceQLMetrics } from "./traceql-metrics/run.ts";
