export { QueryError, type QueryErrorCode } from "./errors.ts";
export * from "./tickets.ts";
export * as traceql from "./traceql/index.ts";
export * as logql from "./logql/index.ts";
export { parseTraceQL, parseTraceQLSearch, TraceQLError } from "./traceql/index.ts";
export { parseLogQL, LogQLError } from "./logql/index.ts";
export * from "./results.ts";
export * from "./prometheus-tickets.ts";
export { promqlReadRange, type ReadRange } from "./promql-read-range.ts";
