/**
 * Reading number-shaped series (gauges, sums, remote write samples: one sample per row) out
 * of the metrics view, in two statements instead of one grouped list aggregation (which
 * DuckDB spends most of a dashboard query building):
 * 1. the series: one row per distinct identity and attribute texts, with a 64-bit hash of
 *    them and its sample count, so the sample limit is checked before any sample is read and
 *    each series' arrays are allocated at their final size;
 * 2. the samples: (hash, time, value, flags) rows in whatever order the scan yields, read
 *    straight from DuckDB's vectors and placed into their series by hash; a series found out
 *    of time order is sorted.
 * Two identities sharing a hash (never seen, but possible) make the read fall back to the
 * grouped lists (list-columns.ts), which need no hash.
 */
import type { DuckDBConnection, DuckDBDataChunk } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";
import { isValid, structListColumn, type FlatField } from "../../../../shared/duckdb/index.ts";
import { writeStaleMarker } from "../../../../shared/series/index.ts";
import type { MetricIdentity, SeriesCollector, StoredMetricRow } from "../../../../shared/series/otlp/index.ts";

type Identity = MetricIdentity & Pick<StoredMetricRow, "attributes" | "resourceAttributes">;

const IDENTITY = "metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality, attributes, resource_attributes";
const HASH = `hash(${IDENTITY})`;
const SAMPLE = "(time_unix_nano // 1000000)::DOUBLE, coalesce(value_double, value_int::DOUBLE), flags::INTEGER";

interface Slot {
  identity: Identity;
  times: Float64Array;
  values: Float64Array;
  length: number;
}

export interface NumberRead {
  connection: DuckDBConnection;
  /** FROM … WHERE … of the rows to read. */
  from: string;
  maxSamples: number;
  tooManySamples: () => Error;
  /** Throws when the query was stopped. */
  checkStopped: () => void;
}

export async function readNumberSeries(read: NumberRead, collector: SeriesCollector): Promise<void> {
  const series = await read.connection.runAndReadAll(`SELECT ${HASH}, ${IDENTITY}, count(*)::DOUBLE ${read.from} GROUP BY ALL`);
  read.checkStopped();
  const rows = series.getRows();
  let total = 0;
  for (const r of rows) total += r[8] as number;
  if (total > read.maxSamples) throw read.tooManySamples();
  const slots = new Map<number, Slot>();
  for (const r of rows) {
    const key = hashKey(r[0] as bigint);
    if (slots.has(key)) return readNumberLists(read, collector);
    const count = r[8] as number;
    slots.set(key, {
      identity: {
        name: r[1] as string, unit: r[2] as string, type: r[3] as string, monotonic: r[4] as boolean, temporality: r[5] as number,
        attributes: r[6] as string, resourceAttributes: r[7] as string,
      },
      times: new Float64Array(count),
      values: new Float64Array(count),
      length: 0,
    });
  }
  if (slots.size === 0) return;
  const result = await read.connection.stream(`SELECT ${HASH}, ${SAMPLE} ${read.from}`);
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    read.checkStopped();
    placeSamples(chunk, slots);
  }
  for (const slot of slots.values()) {
    const { times, values } = inTimeOrder(slot.times.subarray(0, slot.length), slot.values.subarray(0, slot.length));
    collector.addNumberSeries(slot.identity, times, values);
  }
}

/** A UBIGINT hash as a Map key: its low 53 bits (a clash there also falls back to the lists). */
function hashKey(hash: bigint): number {
  return Number(hash & 0x1f_ffff_ffff_ffffn);
}

function placeSamples(chunk: DuckDBDataChunk, slots: Map<number, Slot>): void {
  const rows = duckdb.data_chunk_get_size(chunk.chunk);
  const hashes = new Uint32Array(fixedWidth(chunk, 0, rows, 8).buffer, 0, rows * 2);
  const times = new Float64Array(fixedWidth(chunk, 1, rows, 8).buffer, 0, rows);
  const values = new Float64Array(fixedWidth(chunk, 2, rows, 8).buffer, 0, rows);
  const valueValidity = validityOf(chunk, 2, rows);
  const flags = new Int32Array(fixedWidth(chunk, 3, rows, 4).buffer, 0, rows);
  for (let i = 0; i < rows; i++) {
    const slot = slots.get(hashes[2 * i]! + (hashes[2 * i + 1]! & 0x1fffff) * 4294967296);
    // Rows cannot appear between the two statements (files are immutable, live rows a snapshot).
    if (slot === undefined || slot.length === slot.times.length) throw new Error("metrics rows changed between the series and samples reads");
    if ((flags[i]! & 1) !== 0) writeStaleMarker(slot.values, slot.length);
    else if (isValid(valueValidity, i)) slot.values[slot.length] = values[i]!;
    else continue;
    slot.times[slot.length++] = times[i]!;
  }
}

/** A copy of column `column`'s first `rows` values (`width` bytes each) of a flat chunk vector. */
function fixedWidth(chunk: DuckDBDataChunk, column: number, rows: number, width: number): Uint8Array {
  return duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, column), rows * width).slice();
}

function validityOf(chunk: DuckDBDataChunk, column: number, rows: number): Uint8Array | null {
  const mask = duckdb.vector_get_validity(duckdb.data_chunk_get_vector(chunk.chunk, column), Math.ceil(rows / 64) * 8);
  return mask ? mask.slice() : null;
}

/**
 * The samples sorted by time (stable), when they are not already. A scan yields each file's
 * rows in time order and the files newest first, so a series usually arrives as a few sorted
 * runs that do not overlap: those are only put back in order. DuckDB's threads may also
 * interleave the row groups they scan: the series is then a few ascending sequences woven
 * together, which are merged.
 */
function inTimeOrder(times: Float64Array, values: Float64Array): { times: Float64Array; values: Float64Array } {
  const n = times.length;
  const starts = [0];
  for (let i = 1; i < n; i++) if (times[i - 1]! > times[i]!) starts.push(i);
  if (starts.length === 1) return { times, values };
  const runs = starts.map((start, k) => ({ start, end: starts[k + 1] ?? n })).sort((a, b) => times[a.start]! - times[b.start]!);
  let disjoint = true;
  for (let k = 1; k < runs.length && disjoint; k++) disjoint = times[runs[k - 1]!.end - 1]! < times[runs[k]!.start]!;
  const order = new Uint32Array(n);
  if (disjoint) {
    let at = 0;
    for (const run of runs) for (let i = run.start; i < run.end; i++) order[at++] = i;
  } else order.set(pileOrder(times) ?? sortOrder(times));
  const outTimes = new Float64Array(n);
  const outValues = new Float64Array(n);
  // Values are copied as their bits (two words each), so stale markers survive.
  const from = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const to = new Uint32Array(outValues.buffer);
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    outTimes[i] = times[j]!;
    to[2 * i] = from[2 * j]!;
    to[2 * i + 1] = from[2 * j + 1]!;
  }
  return { times: outTimes, values: outValues };
}

/** Most ascending sequences pileOrder merges; a series woven from more is sorted instead. */
const MAX_PILES = 8;

/**
 * The indexes of `times` in stable time order when they are a few ascending sequences woven
 * together (each index goes to the first sequence it extends), merged by (time, index); null
 * when more than MAX_PILES sequences would be needed.
 */
function pileOrder(times: Float64Array): Uint32Array | null {
  const n = times.length;
  const piles: number[][] = [];
  const tails: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    let p = 0;
    while (p < piles.length && tails[p]! > t) p++;
    if (p === piles.length) {
      if (p === MAX_PILES) return null;
      piles.push([]);
    }
    piles[p]!.push(i);
    tails[p] = t;
  }
  const heads = new Array<number>(piles.length).fill(0);
  const order = new Uint32Array(n);
  for (let at = 0; at < n; at++) {
    let best = -1;
    let bestIndex = 0;
    for (let p = 0; p < piles.length; p++) {
      if (heads[p]! === piles[p]!.length) continue;
      const j = piles[p]![heads[p]!]!;
      if (best < 0 || times[j]! < times[bestIndex]! || (times[j] === times[bestIndex] && j < bestIndex)) {
        best = p;
        bestIndex = j;
      }
    }
    order[at] = bestIndex;
    heads[best]!++;
  }
  return order;
}

/**
 * The indexes of `times` in stable time order. Each (time, index) is packed into one exact
 * double — (time − min) · 2^bits + index — so a native numeric sort does the work; a span
 * too wide to pack falls back to a comparator.
 */
function sortOrder(times: Float64Array): Uint32Array {
  const n = times.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, times[i]!);
    max = Math.max(max, times[i]!);
  }
  const bits = Math.ceil(Math.log2(n + 1));
  const scale = 2 ** bits;
  if ((max - min + 1) * scale > Number.MAX_SAFE_INTEGER) {
    return Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  }
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (times[i]! - min) * scale + i;
  packed.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = packed[i]! % scale;
  return order;
}

/**
 * The grouped read: per row a series' identity and attribute texts, and its samples as one
 * list of (time, value, flags) in time order.
 */
async function readNumberLists(read: NumberRead, collector: SeriesCollector): Promise<void> {
  const result = await read.connection.stream(
    `SELECT ${IDENTITY}, list({ t: (time_unix_nano // 1000000)::DOUBLE, v: coalesce(value_double, value_int::DOUBLE), f: flags::INTEGER } ORDER BY time_unix_nano)
     ${read.from} GROUP BY ALL`,
  );
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    read.checkStopped();
    addListChunk(collector, chunk);
    if (collector.samples > read.maxSamples) throw read.tooManySamples();
  }
}

/** Flag bit 1 is a stale marker; a null value (a row kept only for its exemplars) is no sample. */
function addListChunk(collector: SeriesCollector, chunk: DuckDBDataChunk): void {
  const texts = [0, 1, 2, 3, 4, 5, 6].map((c) => chunk.getColumnVector(c));
  const samples = structListColumn(chunk, 7, ["float64", "float64", "int32"]);
  const [times, values, flags] = samples.fields as [FlatField, FlatField, FlatField];
  for (let r = 0; r < chunk.rowCount; r++) {
    const n = samples.lengths[r]!;
    const from = samples.offsets[r]!;
    const outTimes = new Float64Array(n);
    const outValues = new Float64Array(n);
    let k = 0;
    for (let i = from; i < from + n; i++) {
      if ((flags.values[i]! & 1) !== 0) writeStaleMarker(outValues, k);
      else if (isValid(values.validity, i)) outValues[k] = values.values[i]!;
      else continue;
      outTimes[k++] = times.values[i]!;
    }
    collector.addNumberSeries(
      {
        name: texts[0]!.getItem(r) as string, unit: texts[1]!.getItem(r) as string, type: texts[2]!.getItem(r) as string,
        monotonic: texts[3]!.getItem(r) as boolean, temporality: texts[4]!.getItem(r) as number,
        attributes: texts[5]!.getItem(r) as string, resourceAttributes: texts[6]!.getItem(r) as string,
      },
      k === n ? outTimes : outTimes.slice(0, k), k === n ? outValues : outValues.slice(0, k),
    );
  }
}
