/**
 * The `read_parquet` table function over a list of files, as every querier read spells it:
 * hive partitioning off (the folder names are the manifest's, not columns), and the options
 * a read asks for. Files of several schemas (older files lack newer columns) are read by name.
 */
import { quoteLiteral } from "../../../shared/duckdb/index.ts";

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
