export type * from "./ast.ts";
export { COMPARISON_OPS, logQueriesOf, SET_OPS } from "./ast.ts";
export { parseLogQL } from "./parser.ts";
export { LogQLError, LogQLLimitError } from "./errors.ts";
export { EMPTY_COMPATIBLE_SELECTOR, requireNarrowingMatcher } from "./selector-rule.ts";
export type * from "./source.ts";
export { compileLineFilter, matchesLineFilters, splitLineFilterHints } from "./line-filters.ts";
