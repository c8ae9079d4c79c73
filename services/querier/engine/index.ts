/** The querier's execution engine: query tickets over Parquet files + live rows → Arrow tables. */
export { QueryEngine, type QueryEngineOptions } from "./engine.ts";
export type { QuerySources, TableSources } from "./source-view.ts";
export { searchResultSchema, ROOT_SPAN_NOT_YET_RECEIVED } from "./search.ts";
export { traceByIdSchema } from "./trace-by-id-sql.ts";
export { tagNamesSchema, tagValuesSchema, TAG_VALUES_CAP } from "./tags.ts";
export { logsResultSchema, logLabelsSchema, logLabelValuesSchema } from "./logs.ts";
export { streamLabels, UNKNOWN_SERVICE } from "./log-streams.ts";
export { builtInSql, type BuiltInQuery } from "./built-in-sql.ts";
export { createSourceView, type SourceViewOptions } from "./source-view.ts";
export { runSearch } from "./search-plan.ts";
export { searchScope, type SearchScope } from "./search-scope.ts";
export { TraceIdIndex } from "./trace-id-index.ts";
