/** DuckDB for every role: open it without downloads, and load Arrow batches into it fast. */
export { openDuckDB, type DuckDBHandle, type OpenDuckDBOptions } from "./open.ts";
export { appendArrow, SchemaMismatchError, type AppendArrowOptions } from "./append-arrow.ts";
export { NullInNotNullColumnError } from "./column-copy.ts";
export { createTableSql, UnsupportedArrowTypeError } from "./types.ts";
export { quoteIdent, quoteLiteral } from "./sql.ts";
export {
  DEDICATED_SPAN_ATTRIBUTES,
  DEDICATED_COLUMNS,
  dedicatedColumnsFlushSql,
  dedicatedColumnsOnTheFlySql,
} from "./dedicated-attributes.ts";
