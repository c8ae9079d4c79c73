export * from "./ast.ts";
export { parseTraceQL, parseTraceQLSearch } from "./parser.ts";
export { TraceQLError } from "./errors.ts";
export { traceqlRegex } from "./regex.ts";
export { typeOf, referencesSpan } from "./validate.ts";
export { aggregateText, fieldRefText, fieldText } from "./text.ts";
