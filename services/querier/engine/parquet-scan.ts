/**
 * The `read_parquet` table function over a list of files, as every querier read spells it:
 * hive partitioning off (the folder names are the manifest's, not columns), and the options
 * a read asks for. Files of several schemas (older files lack newer columns) are read by name.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { filledColumnsSql, quoteLiteral, type ColumnPresence } from "../../../shared/duckdb/index.ts";
import { FILE_COLUMN_DEFAULTS, type TableName } from "../../../shared/tables/index.ts";
import { fileColumns, haveOneSchema } from "./file-schemas.ts";

export interface ParquetScanOptions {
  /** Match columns by name across files of different schemas (`union_by_name`). */
  byName?: boolean;
  /** Add each row's file path as `filename`. */
  filename?: boolean;
  /** Add each row's position in its file as `file_row_number`. */
  fileRowNumber?: boolean;
}

export function parquetScan(files: readonly string[], options: ParquetScanOptions = {}): string {
  return (
    `read_parquet([${files.map(quoteLiteral).join(", ")}], hive_partitioning = false` +
    `${options.byName ? ", union_by_name = true" : ""}` +
    `${options.filename ? ", filename = true" : ""}` +
    `${options.fileRowNumber ? ", file_row_number = true" : ""})`
  );
}

/**
 * The files of `table` as parquetScan reads them, every column of the contract there: a
 * column a file left out at its default (shared/tables/file-defaults.ts) reads as the default.
 * By name when asked or when the files' schemas differ. Virtual columns a read takes through
 * the fill (file_index; file_row_number unless it is asked for as a column) are carried.
 */
export async function storedScan(connection: DuckDBConnection, table: TableName, files: readonly string[], options: ParquetScanOptions = {}): Promise<string> {
  // Logs leave no column out: their files need no footer read here.
  if (FILE_COLUMN_DEFAULTS[table].size === 0) return parquetScan(files, { ...options, byName: options.byName === true || !(await haveOneSchema(connection, files)) });
  const columns = [...(await fileColumns(connection, files)).values()];
  const byName = options.byName === true || new Set(columns.map((c) => c.fingerprint)).size > 1;
  const scan = parquetScan(files, { ...options, byName });
  const presence = (name: string): ColumnPresence => {
    const holding = columns.filter((c) => c.names.has(name)).length;
    return holding === columns.length ? "all" : holding === 0 ? "none" : "some";
  };
  return filledColumnsSql(table, scan, presence, options.fileRowNumber ? ["file_index"] : ["file_index", "file_row_number"]);
}
