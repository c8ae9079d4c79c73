/**
 * A result's rows as plain objects, built from its columns. The reader's own row objects
 * (getRowObjectsJS) convert every value through a generic converter, which dominates the
 * cost of loading a search's candidate spans; for scalar types the column values are already
 * what that converter would return (a string, a number, a bigint, a boolean, or null), so
 * they are taken as they are. A result with any other type falls back to the reader's own.
 */
import { DuckDBTypeId, type DuckDBResultReader } from "@duckdb/node-api";

const AS_IS = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN, DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT,
  DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.VARCHAR, DuckDBTypeId.SQLNULL,
]);

/** Every row read so far, as `getRowObjectsJS` gives them. */
export function rowObjects(reader: DuckDBResultReader): Array<Record<string, unknown>> {
  const count = reader.columnCount;
  for (let c = 0; c < count; c++) if (!AS_IS.has(reader.columnTypeId(c))) return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
  const names = reader.deduplicatedColumnNames();
  const columns = reader.getColumns() as unknown as unknown[][];
  const rows = new Array<Record<string, unknown>>(reader.currentRowCount);
  for (let r = 0; r < rows.length; r++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < count; c++) row[names[c]!] = columns[c]![r];
    rows[r] = row;
  }
  return rows;
}
