/**
 * Arrow batches read in place by one SQL statement, through a table function:
 * `scanArrow(conn, batches, schema, {}, (source) => conn.run(`COPY (FROM ${source}) TO ...`))`.
 *
 * DuckDB pulls 2,048-row chunks and each is gathered straight from the batches' buffers (see
 * column-gather.ts), so nothing is first appended into a table: for the writer's flush the
 * appender's copy into table storage and the table scan that followed it cost several times
 * what this costs, and a RowOrder makes the rows come out sorted without DuckDB's ORDER BY.
 *
 * Utf8 columns may arrive as Dictionary<Int32, Utf8> (the Flight wire form): rows point at
 * their dictionary entry. String values point into the Arrow buffers, which stay referenced
 * by the scan until the statement is over. One scan is read by one thread.
 */
import { type DuckDBConnection, DuckDBTableFunction, DuckDBVarCharType } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";
import type { Data, RecordBatch, Schema } from "apache-arrow";
import { Scratch } from "./column-copy.ts";
import { plainColumnData, singleChunk, type ColumnPlan } from "./column-data.ts";
import { gatherColumnSlice, gatherSource, gatherValiditySlice, isDirectDictionary, type GatherSource } from "./column-gather.ts";
import { SchemaMismatchError } from "./errors.ts";
import { identityRowOrder, type RowOrder } from "./row-order.ts";
import { quoteLiteral } from "./sql.ts";
import { duckdbTypeOf, kindOf } from "./types.ts";

const FUNCTION_NAME = "sbx_arrow_scan";

interface Scan {
  schema: Schema;
  /** Per column of `schema`: its data over every batch, ready to gather from. */
  sources: GatherSource[];
  nullable: boolean[];
  order: RowOrder;
  total: number;
}

interface Cursor {
  scan: Scan;
  /** Bound column index of each output vector (projection pushdown). */
  projected: number[];
  pos: number;
  scratch: Scratch;
}

const scans = new Map<string, Scan>();
const registered = new WeakSet<DuckDBConnection>();

export interface ScanArrowOptions {
  /** The order to produce rows in (sortRowOrder); default batch by batch. */
  order?: RowOrder;
  /**
   * The same batches will be scanned again (the querier's live rows): keep each string's
   * DuckDB string_t with its batch (16 bytes a string), so later scans copy them in bulk
   * (column-gather.ts). Off for one-off scans, where building them costs more than it saves.
   */
  keepStrings?: boolean;
}

/** True when scanArrow reads `batch` as it is (its dictionary columns, if any, are clean). */
export function isDirectlyScannable(batch: RecordBatch): boolean {
  return batch.data.children.every((child) => !child.dictionary || isDirectDictionary(child));
}

/**
 * Runs `run` with `source`, a SQL table expression producing `batches` (each matching
 * `schema` by column name), valid on `connection` until `run` settles.
 */
export async function scanArrow<T>(
  connection: DuckDBConnection,
  batches: readonly RecordBatch[],
  schema: Schema,
  opts: ScanArrowOptions,
  run: (source: string) => Promise<T>,
): Promise<T> {
  registerOnce(connection);
  const scan = planScan(batches, schema, opts.order, opts.keepStrings === true);
  const id = crypto.randomUUID();
  scans.set(id, scan);
  try {
    return await run(`${FUNCTION_NAME}(${quoteLiteral(id)})`);
  } finally {
    scans.delete(id);
  }
}

function planScan(batches: readonly RecordBatch[], schema: Schema, order: RowOrder | undefined, keepStrings: boolean): Scan {
  const total = batches.reduce((n, b) => n + b.numRows, 0);
  const rowOrder = order ?? identityRowOrder(batches);
  if (rowOrder.batch.length !== total) throw new SchemaMismatchError(`row order has ${rowOrder.batch.length} rows, the batches ${total}`);
  const sources = schema.fields.map((field) => {
    const col = { name: field.name, kind: kindOf(field), nullable: field.nullable };
    return gatherSource(col.kind, batches.map((batch) => scannableColumnData(batch, col)), keepStrings);
  });
  return { schema, sources, nullable: schema.fields.map((f) => f.nullable), order: rowOrder, total };
}

/** As appendArrow takes it, or a clean dictionary of Utf8 for a Utf8 column. */
function scannableColumnData(batch: RecordBatch, col: ColumnPlan): Data {
  const data = singleChunk(batch, col.name);
  if (!data.dictionary) return plainColumnData(batch, col);
  if (col.kind !== "utf8" || !isDirectDictionary(data)) {
    throw new SchemaMismatchError(`column ${col.name}: only a clean Dictionary<Int32, Utf8> is scanned for a Utf8 column`);
  }
  return data;
}

function registerOnce(connection: DuckDBConnection): void {
  if (registered.has(connection)) return;
  const fn = DuckDBTableFunction.create({
    name: FUNCTION_NAME,
    parameterTypes: [DuckDBVarCharType.instance],
    supportsProjectionPushdown: true,
    bindFunction: (info) => {
      const scan = scans.get(String(info.getParameter(0)));
      if (!scan) return info.setError(`${FUNCTION_NAME}: no such scan (it is valid only inside scanArrow)`);
      scan.schema.fields.forEach((f) => info.addResultColumn(f.name, duckdbTypeOf(f)));
      info.setCardinality(scan.total, true);
      info.setBindData({ scan });
    },
    initFunction: (info) => {
      const { scan } = info.bindData as { scan: Scan };
      info.setMaxThreads(1);
      const cursor: Cursor = { scan, projected: info.getColumnIndexes(), pos: 0, scratch: new Scratch() };
      info.setInitData(cursor);
    },
    mainFunction: (info, output) => {
      const cursor = info.initData as Cursor;
      try {
        fillChunk(cursor, output.chunk);
        // rowCount is set by fillChunk through the native chunk.
      } catch (err) {
        info.setError(`${FUNCTION_NAME}: ${(err as Error).message}`);
      }
    },
  });
  try {
    connection.registerTableFunction(fn);
  } catch (err) {
    // Another connection of the same database registered it already.
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
  registered.add(connection);
}

function fillChunk(cursor: Cursor, chunk: duckdb.DataChunk): void {
  const { scan, projected, scratch } = cursor;
  const n = Math.min(duckdb.vector_size(), scan.total - cursor.pos);
  duckdb.data_chunk_set_size(chunk, n);
  if (n === 0) return;
  for (let k = 0; k < projected.length; k++) {
    const c = projected[k]!;
    const vector = duckdb.data_chunk_get_vector(chunk, k);
    gatherColumnSlice(vector, scan.sources[c]!, scan.order, cursor.pos, n, scratch);
    if (scan.nullable[c]) gatherValiditySlice(vector, scan.sources[c]!, scan.order, cursor.pos, n, scratch);
  }
  cursor.pos += n;
}
