/**
 * Running log-samples.ts's SQL file by file, with the samples kept between queries
 * (log-sample-cache.ts): the files whose samples are kept are not read, the others are read
 * in one query whose groups also name their file, and those whose every row the range holds
 * are kept for the next query. Without a cache, one query over the whole view (or over two
 * views, when some files' footers spare their rows the plain-logfmt test: SampleViews).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { structListColumn } from "../../../../shared/duckdb/index.ts";
import { inTimeOrder } from "../../../../shared/series/index.ts";
import type { LogSampleGroup, LogSampleRequest } from "../../../../shared/query/logql/index.ts";
import { sampleShape, type FileSamples, type LogSampleCache } from "./log-sample-cache.ts";
import { stopIfAborted } from "./log-source.ts";

export interface SampleFiles {
  cache: LogSampleCache;
  /** The view's files. */
  files: readonly string[];
  /** Of the files the view holds whole (retention cuts none of their rows), their rows' oldest and newest Loki time. */
  spans: ReadonlyMap<string, { minNs: bigint; maxNs: bigint }>;
  /** The view has live rows (they are read every time). */
  live: boolean;
}

/**
 * The rows a samples query reads, as views (null: none): `plain` over files whose footer
 * vouches that every row the query chooses is a plain logfmt line, `rest` over the others and
 * the live rows. Located views (`_file`, `_row`) when the samples are kept by file.
 */
export interface SampleViews {
  plain: string | null;
  rest: string | null;
}

/** What the source needs counted of a read, for Loki's stats. */
interface ReadCounts {
  linesRead: number;
  bytesRead: number;
  sampleFiles?(): Promise<SampleFiles | undefined>;
}

/**
 * The groups of the samples SQL decided, and how many rows it left to the evaluator. `sql`:
 * the samples query over a view, its groups also by `f` (the row's file) when `byFile`.
 */
export async function readFileSamples(
  connection: DuckDBConnection,
  views: (some: readonly string[] | undefined, locate: boolean) => Promise<SampleViews>,
  source: ReadCounts,
  request: LogSampleRequest,
  sql: (views: SampleViews, byFile: boolean) => string,
  signal: AbortSignal | undefined,
): Promise<{ groups: LogSampleGroup[]; restRows: number }> {
  const files = await source.sampleFiles?.();
  const whole = files ? files.files.filter((f) => { const span = files.spans.get(f); return span !== undefined && span.minNs >= request.startNs && span.maxNs < request.endNs; }) : [];
  const read = new Map<string, FileSamples>();
  const kept = new Map<string, FileSamples>();
  if (files === undefined || whole.length === 0) await readSamples(connection, sql(await views(undefined, false), false), request, read, signal);
  else {
    const shape = sampleShape(request);
    for (const f of whole) {
      const hit = files.cache.get(f, shape);
      if (hit) kept.set(f, hit);
    }
    const toRead = files.files.filter((f) => !kept.has(f));
    if (toRead.length > 0 || files.live) await readSamples(connection, sql(await views(toRead, true), true), request, read, signal);
    for (const f of whole) {
      const samples = read.get(f);
      if (samples) files.cache.set(f, shape, samples);
      // A file none of whose rows were grouped is kept too: reading it again would find nothing.
      else if (!kept.has(f)) files.cache.set(f, shape, { groups: [], restRows: 0, linesRead: 0, bytesRead: 0 });
    }
  }
  const groups: LogSampleGroup[] = [];
  let restRows = 0;
  for (const samples of [...kept.values(), ...read.values()]) {
    groups.push(...samples.groups);
    restRows += samples.restRows;
    source.linesRead += samples.linesRead;
    source.bytesRead += samples.bytesRead;
  }
  return { groups, restRows };
}

/**
 * Reads the samples query's rows (log-samples.ts: decided, has samples, the group's labels,
 * rows, bytes, samples, and the file when grouped by it) into `out`, by file ("" when not).
 */
async function readSamples(connection: DuckDBConnection, sql: string, request: LogSampleRequest, out: Map<string, FileSamples>, signal: AbortSignal | undefined): Promise<void> {
  const k = request.groupBy.length;
  const listColumn = k + 4;
  const result = await connection.stream(sql);
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    stopIfAborted(signal);
    const columns = chunk.columnCount;
    const cols = Array.from({ length: columns }, (_, c) => chunk.getColumnVector(c));
    const samples = structListColumn(chunk, listColumn, request.unwrap ? ["float64", "float64"] : ["float64"]);
    for (let r = 0; r < chunk.rowCount; r++) {
      const file = columns > listColumn + 1 ? (cols[listColumn + 1]!.getItem(r) as string) : "";
      let into = out.get(file);
      if (into === undefined) out.set(file, (into = { groups: [], restRows: 0, linesRead: 0, bytesRead: 0 }));
      const rows = cols[k + 2]!.getItem(r) as number;
      if (cols[0]!.getItem(r) !== true) {
        into.restRows += rows;
        continue;
      }
      into.linesRead += rows;
      into.bytesRead += cols[k + 3]!.getItem(r) as number;
      if (cols[1]!.getItem(r) !== true) continue;
      const from = samples.offsets[r]!;
      const n = samples.lengths[r]!;
      if (n === 0) continue;
      const labels: Record<string, string> = {};
      request.groupBy.forEach((name, i) => {
        const v = cols[i + 2]!.getItem(r) as string | null;
        if (v !== null && v !== "") labels[name] = v;
      });
      // In time order once here, so that the series built of kept groups need no sort (samples.ts).
      // The fields are copies of DuckDB's vectors already: a row holding all of them is not copied again.
      const whole = from === 0 && n === samples.fields[0]!.values.length;
      const field = (i: number) => (whole ? (samples.fields[i]!.values as Float64Array) : (samples.fields[i]!.values as Float64Array).slice(from, from + n));
      const ordered = inTimeOrder(field(0), request.unwrap ? field(1) : undefined);
      into.groups.push({ labels, originNs: request.startNs, offsetsNs: ordered.ts, ...(ordered.values ? { values: ordered.values } : {}) });
    }
  }
}
