/**
 * Arrow batches → one sorted, zstd-compressed Parquet file, atomically: the rows are sorted
 * by the table's access path in JS (a pointer sort; DuckDB's ORDER BY would move whole rows)
 * and DuckDB COPYs them in that order straight from the Arrow buffers (scanArrow) to a temp
 * file beside the destination, fsynced and renamed into place (then the folder is fsynced).
 * A crash leaves either no file or the whole file, never a partial one.
 *
 * One DuckDB connection runs one statement at a time: callers serialise writeParquet calls
 * per connection (or give each flusher its own connection).
 */
import { rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { type RecordBatch, Schema } from "apache-arrow";
import {
  quoteLiteral, scanArrow, sortRowOrder,
} from "../../../shared/duckdb/index.ts";
import { columnsAtDefault, SORT_ORDER, TABLE_SCHEMAS, withDedicatedColumns, withDedicatedSchema, type TableName } from "../../../shared/tables/index.ts";
import { durableRename, ensureDirDurable, tempPathFor } from "../../../shared/storage/index.ts";
import { logsFooterFacts } from "./logs-footer.ts";
import { footerFacts, kvMetadataSql } from "./footer.ts";
import { timeRange } from "./time-range.ts";

/**
 * Rows per Parquet row group, per table: the unit DuckDB prunes by min/max (and bloom
 * filters) and must decompress whole.
 * - Spans (and logs) are sorted by trace_id (service), so a trace lives in one row group per
 *   file, and a query touching one trace pays for the whole row group's attribute JSON: 4k
 *   rows make that much cheaper than 20k (trace by id, a search's span sets, which touch one
 *   row group per trace) for a few percent more bytes (measured on the query bench's spans).
 * - Metric samples are read a whole metric over a time range at a time (PromQL selectors), and
 *   a small row group repeats every series' attribute text in its own dictionary: DuckDB's
 *   default size made the PromQL bench's files about 6x smaller than 4k rows, and its
 *   dashboard selects 2–3x faster.
 */
export const ROW_GROUP_SIZE: Readonly<Record<TableName, number>> = { traces: 4_096, logs: 4_096, metrics: 122_880 };

/** What compaction may choose for its own files; a flush takes the defaults. */
export interface ParquetLayout {
  rowGroupSize?: number;
  /** zstd level; unset, DuckDB's default (fast enough for the flush's hot path). */
  compressionLevel?: number;
}

/** How every Signalbox Parquet file of `table` is encoded. */
export function parquetOptions(table: TableName, layout: ParquetLayout = {}): string {
  const level = layout.compressionLevel === undefined ? "" : `, COMPRESSION_LEVEL ${layout.compressionLevel}`;
  return `FORMAT parquet, COMPRESSION zstd${level}, ROW_GROUP_SIZE ${layout.rowGroupSize ?? ROW_GROUP_SIZE[table]}`;
}

/** The columns of a file: the table's, and for spans the dedicated attribute columns after them. */
const FILE_SCHEMAS: Record<TableName, Schema> = {
  traces: withDedicatedSchema(TABLE_SCHEMAS.traces),
  logs: TABLE_SCHEMAS.logs,
  metrics: TABLE_SCHEMAS.metrics,
};

export interface WriteParquetArgs {
  db: DuckDBConnection;
  table: TableName;
  /** In the table contract's schema; repeated columns may be the wire form's dictionaries. */
  batches: readonly RecordBatch[];
  /** Final local path of the file; its folder is created if missing. */
  destPath: string;
  /** Footer key/values from the caller (see footerMetadata: org, bucket, shard, batch ids). */
  metadata: Record<string, string>;
}

export interface WriteParquetResult {
  rows: number;
  /** File size on disk. */
  bytes: number;
  minTimeNs: bigint;
  maxTimeNs: bigint;
}

export class EmptyParquetWriteError extends Error {
  constructor(table: TableName) {
    super(`refusing to write a Parquet file with no ${table} rows`);
    this.name = "EmptyParquetWriteError";
  }
}

export async function writeParquet(args: WriteParquetArgs): Promise<WriteParquetResult> {
  const { db, table, batches, destPath } = args;
  const rows = batches.reduce((n, b) => n + b.numRows, 0);
  if (rows === 0) throw new EmptyParquetWriteError(table);
  const { minTimeNs, maxTimeNs } = timeRange(table, batches);
  // Computed facts win over anything the caller passed under the same key.
  const metadata: Record<string, string> = {
    ...args.metadata,
    ...(table === "logs" ? logsFooterFacts(batches) : {}),
    ...footerFacts({ table, rows, minTimeNs, maxTimeNs }),
  };

  await ensureDirDurable(dirname(destPath));
  const tmpPath = tempPathFor(destPath);
  try {
    // Spans also carry dedicated columns for the most searched attributes
    // (shared/tables/dedicated-attributes.ts): search scans those instead of the JSON. The
    // acceptor sends them with each batch; batches that came without get them computed here.
    const rowsIn = table === "traces" ? batches.map((b) => withDedicatedColumns(b)) : batches;
    const schema = fileSchema(table, rowsIn);
    const order = sortRowOrder(rowsIn, SORT_ORDER[table]);
    await scanArrow(db, rowsIn, schema, { order }, (source) => db.run(copySql(table, source, tmpPath, metadata)));
    await durableRename(tmpPath, destPath);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
  const { size } = await stat(destPath);
  return { rows, bytes: size, minTimeNs, maxTimeNs };
}

/**
 * The file's columns: the table's, less those whose every row holds the contract's default
 * (shared/tables/file-defaults.ts; readers fill them back in).
 */
function fileSchema(table: TableName, batches: readonly RecordBatch[]): Schema {
  const atDefault = columnsAtDefault(table, batches);
  const full = FILE_SCHEMAS[table];
  return atDefault.size === 0 ? full : new Schema(full.fields.filter((f) => !atDefault.has(f.name)), full.metadata);
}

function copySql(table: TableName, source: string, path: string, metadata: Record<string, string>): string {
  return `COPY (FROM ${source}) TO ${quoteLiteral(path)} (${parquetOptions(table)}, ${kvMetadataSql(metadata)})`;
}
