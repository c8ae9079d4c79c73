export * from "./ast.ts";
export { parseTraceQL } from "./parser.ts";
export { TraceQLError } from "./errors.ts";
