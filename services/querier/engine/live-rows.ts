/**
 * The writers' live rows as a query reads them: read in place from the Arrow batches by a
 * table function (shared/duckdb scanArrow), not copied into a DuckDB table first: the copy
 * cost far more on every query than the scan costs per statement that reads them
 * (bench/query-live.ts).
 *
 * What a view needs beyond the table's columns is added to each batch once and kept with it
 * (the querier keeps the batches of a writer's buffer between queries: live-cache.ts):
 * - the dedicated attribute columns of spans, when a writer sent them without (one that
 *   predates them), computed as the writer's flush computes them;
 * - `_live_row`, each row's number in its batch: with the batch id it locates a live row
 *   the way file + row number locate a Parquet row (source-view.ts `locate`).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { Field, Int64, makeData, RecordBatch, Schema, Struct } from "apache-arrow";
import { appendArrow, quoteIdent, scanArrow } from "../../../shared/duckdb/index.ts";
import { contractColumns, TABLE_SCHEMAS, withDedicatedColumns, withDedicatedSchema, type TableName } from "../../../shared/tables/index.ts";

export const LIVE_ROW = "_live_row";
/** `_file` of a live row (source-view.ts `locate`): this prefix and its batch id; no Parquet path starts with it. */
export const LIVE_FILE_PREFIX = "live:";

export interface LiveShape {
  /** Add the dedicated attribute columns (spans only). */
  dedicated: boolean;
}

const LIVE_ROW_FIELD = new Field(LIVE_ROW, new Int64(), false);

/** The columns of prepared live batches: the table's, dedicated ones for spans when asked, `_live_row`. */
export function liveSchema(table: TableName, shape: LiveShape): Schema {
  const base = shape.dedicated && table === "traces" ? withDedicatedSchema(TABLE_SCHEMAS[table]) : TABLE_SCHEMAS[table];
  return new Schema([...base.fields, LIVE_ROW_FIELD]);
}

/** Per batch, its prepared forms: with the dedicated columns (true) and without (false). */
const prepared = new WeakMap<RecordBatch, Map<boolean, RecordBatch>>();

/** `batch` with the columns of liveSchema, computed once per batch and shape. */
export function prepareLive(batch: RecordBatch, table: TableName, shape: LiveShape): RecordBatch {
  const dedicated = shape.dedicated && table === "traces";
  let byShape = prepared.get(batch);
  if (!byShape) prepared.set(batch, (byShape = new Map()));
  const known = byShape.get(dedicated);
  if (known) return known;
  // Writers send spans with their dedicated columns (older ones without: computed here).
  const base = dedicated ? withDedicatedColumns(batch) : contractColumns(batch, table);
  const schema = liveSchema(table, shape);
  const rows = BigInt64Array.from({ length: base.numRows }, (_, i) => BigInt(i));
  const rowData = makeData({ type: new Int64(), length: base.numRows, nullCount: 0, data: rows });
  const children = [...base.data.children, rowData];
  const out = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: base.numRows, nullCount: 0, children }));
  byShape.set(dedicated, out);
  return out;
}

/**
 * Runs `run` with a SQL table expression over the live rows (prepared, liveSchema), valid
 * until `run` settles; null when there are none (then the files alone give a view its
 * columns — with no files either, an empty scan still does).
 */
export async function withLiveScan<T>(
  connection: DuckDBConnection,
  table: TableName,
  live: readonly RecordBatch[],
  shape: LiveShape & { needed: boolean },
  run: (source: string | null) => Promise<T>,
): Promise<T> {
  const batches = preparedRows(table, live, shape);
  if (batches === null) return run(null);
  // Live batches stay in the querier between queries (../live-cache.ts) and are scanned again.
  return scanArrow(connection, batches, liveSchema(table, shape), { keepStrings: true }, run);
}

/**
 * The live rows copied into TEMP table `name` (liveSchema), for a view that must outlive a
 * callback (the user-SQL sandbox). Returns the quoted table, or null when there are none
 * and they are not `needed`.
 */
export async function createLiveTable(
  connection: DuckDBConnection,
  table: TableName,
  name: string,
  live: readonly RecordBatch[],
  shape: LiveShape & { needed: boolean },
): Promise<string | null> {
  const batches = preparedRows(table, live, shape);
  if (batches === null) return null;
  await appendArrow(connection, name, batches, liveSchema(table, shape), { temp: true, mode: "create" });
  return quoteIdent(name);
}

/** The non-empty live batches, prepared; null when there are none and none are `needed`. */
function preparedRows(table: TableName, live: readonly RecordBatch[], shape: LiveShape & { needed: boolean }): RecordBatch[] | null {
  const batches = live.filter((b) => b.numRows > 0).map((b) => prepareLive(b, table, shape));
  return batches.length === 0 && !shape.needed ? null : batches;
}
