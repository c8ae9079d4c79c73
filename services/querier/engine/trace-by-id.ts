/**
 * A trace by id: the files the trace-id index says may hold it, plus the live rows.
 *
 * A large file (compacted: docs/architecture.md §6) holds the trace in a row range the index
 * knows, and a small flushed file is read whole; either way the rows come straight from the
 * file's pages (point-read/), not from a DuckDB scan, whose fixed work per row group and
 * column, and decoding of every row of each page, cost several times the lookup itself.
 * Files the point reader cannot decode (a codec or encoding it lacks), large files without a
 * usable row range and live rows go through DuckDB as before, and both parts meet in the
 * statement's order (start time, then span id) and row bound.
 */
import type { Table } from "apache-arrow";
import { traceByIdSchema, type TraceByIdTicket } from "../../../shared/query/index.ts";
import { fillDefaults, fillDerived, TIME_COLUMN } from "../../../shared/tables/index.ts";
import { UnsupportedLayout, type Value } from "./point-read/column-chunk.ts";
import type { FileLayouts } from "./point-read/file-layout.ts";
import { readRows } from "./point-read/read-rows.ts";
import { connectionOf, type ConnectionSource } from "./lazy-connection.ts";
import { withLiveScan } from "./live-rows.ts";
import { columnsToTable, readerToTable } from "./result-to-arrow.ts";
import { filesViewSelect, type QuerySources } from "./source-view.ts";
import { traceByIdOverSelect } from "./trace-by-id-sql.ts";
import { MIN_RANGED_ROWS, type TraceIdIndex } from "./trace-id-index.ts";

export interface TraceByIdContext {
  traceIds: TraceIdIndex;
  layouts: FileLayouts;
  maxRows: number;
}

const COLUMNS = traceByIdSchema.fields.map((f) => f.name);
const TRACE_ID = COLUMNS.indexOf("trace_id");
const START = COLUMNS.indexOf(TIME_COLUMN.traces);
const SPAN_ID = COLUMNS.indexOf("span_id");

/** `connection`: taken only if DuckDB is needed (a file not yet indexed or laid out, a DuckDB read). */
export async function runTraceById(connection: ConnectionSource, ticket: TraceByIdTicket, sources: QuerySources, context: TraceByIdContext): Promise<Table> {
  const { live, notBeforeNs } = sources;
  // Most files cannot hold the trace: leave them unopened, and in large files read only the rows that can.
  const located = await context.traceIds.locate(connection, sources.files, [ticket.traceId]);
  const direct: Value[][] = COLUMNS.map(() => []);
  // Files whose rows the point reader gave: a large file's indexed range, or a small file whole.
  const pointRead = new Set<string>();
  for (const path of located.files) {
    const ranged = located.rows.get(path);
    const layout = await context.layouts.of(connection, path);
    const total = layout.rows.reduce((n, r) => n + r, 0);
    // A large file without a usable range would be decoded whole in JS: DuckDB scans it better.
    if (ranged === undefined && total >= MIN_RANGED_ROWS) continue;
    const range = ranged ?? { first: 0, last: total - 1 };
    let columns: Value[][];
    try {
      columns = readRows(path, layout, COLUMNS, range.first, range.last);
    } catch (err) {
      if (err instanceof UnsupportedLayout) continue;
      throw err;
    }
    pointRead.add(path);
    // A compacted file stores a span's end as NULL where start + duration gives it; a file
    // leaves out the columns whose every row holds the contract's default.
    fillDerived("traces", COLUMNS, columns);
    fillDefaults("traces", COLUMNS, columns);
    // The range may hold other traces' rows (ids sharing the index's key), and rows past retention.
    const ids = columns[TRACE_ID]!;
    const starts = columns[START]!;
    for (let row = 0; row < ids.length; row++) {
      if (ids[row] !== ticket.traceId) continue;
      const start = starts[row];
      if (notBeforeNs !== undefined && (start === null || (start as bigint) < notBeforeNs)) continue;
      columns.forEach((values, i) => direct[i]!.push(values[row]!));
    }
  }
  const files = located.files.filter((f) => !pointRead.has(f));
  const rowRanges = new Map([...located.rows].filter(([f]) => !pointRead.has(f)));
  if (files.length === 0 && live.length === 0) return sortedTable(direct, context.maxRows);
  const shape = { dedicated: false, needed: files.length === 0 };
  const duck = await connectionOf(connection);
  const reader = await withLiveScan(duck, "traces", live, shape, async (liveSource) => {
    // Its one statement reads the sources as a subquery: a view would cost a statement of its own.
    const select = await filesViewSelect(duck, "traces", liveSource, files, { notBeforeNs, rowRanges });
    return duck.runAndReadAll(traceByIdOverSelect(ticket, select, context.maxRows));
  });
  if (direct[0]!.length === 0) return readerToTable(reader, traceByIdSchema, context.maxRows);
  // A result of no rows has no chunks, and so no columns to read.
  if (reader.currentRowCount === 0) return sortedTable(direct, context.maxRows);
  const scanned = reader.getColumns();
  return sortedTable(direct.map((values, i) => [...values, ...(scanned[i]!.slice(0, reader.currentRowCount) as Value[])]), context.maxRows);
}

/** The rows ordered as the statement orders them (start time, span id; nulls last), at most `maxRows`. */
function sortedTable(columns: Value[][], maxRows: number): Table {
  const starts = columns[START]!;
  const spans = columns[SPAN_ID]!;
  const order = Array.from(starts, (_, i) => i).sort((a, b) => compareNullsLast(starts[a]!, starts[b]!) || compareNullsLast(spans[a]!, spans[b]!));
  const rows = Math.min(order.length, maxRows);
  const picked = columns.map((values) => order.slice(0, rows).map((i) => values[i]!));
  return columnsToTable(picked, traceByIdSchema, rows);
}

const utf8Encoder = new TextEncoder();

function compareNullsLast(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === "string" && typeof b === "string") return compareUtf8(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** DuckDB orders text by its UTF-8 bytes; JS compares UTF-16 units, which differs past U+FFFF. */
function compareUtf8(a: string, b: string): number {
  if (/^[\u0000-\ud7ff]*$/.test(a) && /^[\u0000-\ud7ff]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(utf8Encoder.encode(a), utf8Encoder.encode(b));
}
