/** DuckDB for every role: open it without downloads, and load or scan Arrow batches fast. */
export { openDuckDB, type DuckDBHandle, type OpenDuckDBOptions } from "./open.ts";
export { appendArrow, type AppendArrowOptions } from "./append-arrow.ts";
export { NulInSqlTextError, SchemaMismatchError } from "./errors.ts";
export { NullInNotNullColumnError } from "./column-copy.ts";
export { identityRowOrder, sortRowOrder, type RowOrder } from "./row-order.ts";
export { isDirectlyScannable, scanArrow, type ScanArrowOptions } from "./arrow-scan.ts";
export { createTableSql, sqlTypeOf, UnsupportedArrowTypeError } from "./types.ts";
export { quoteIdent, quoteLiteral } from "./sql.ts";
export { flatListColumn, isValid, structListColumn, type FieldKind, type FlatField, type StructListColumn } from "./list-columns.ts";
export { defaultSql, filledColumnsSql, type ColumnPresence } from "./filled-columns.ts";
export { derivableNullSql, storedColumnSql } from "./derived-columns.ts";
