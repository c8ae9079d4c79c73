export type { LabelMatcher, LineFilter, LineFilterOp, LogQuery, MatcherOp } from "./ast.ts";
export { parseLogQL } from "./parser.ts";
export { LogQLError } from "./errors.ts";
export { EMPTY_COMPATIBLE_SELECTOR, requireNarrowingMatcher } from "./selector-rule.ts";
export type { LogSource, LogSelectRequest, LogStream, LogEntry, LineFilterHint, LogQLResult, LogResultEntry, LogQLParams } from "./source.ts";
