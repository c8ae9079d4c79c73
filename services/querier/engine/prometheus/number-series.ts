/**
 * Reading number-shaped series (gauges, sums, remote write samples: one sample per row) out
 * of the metrics source, without one grouped list aggregation (which DuckDB spends most of a
 * dashboard query building):
 * 1. the series and how many rows each has, so the sample limit is checked before any sample
 *    is read and each series' arrays are allocated at their final size: for Parquet files
 *    from their cached row maps (file-series.ts); for the other rows (live rows) one row per
 *    distinct identity and attribute texts, with a 64-bit hash of them and its row count;
 * 2. the samples, in whatever order the scans yield them, read straight from DuckDB's vectors:
 *    a file's (row number, time, value, flags), placed into their series by row number, so
 *    no attribute text is read; the other rows' (hash, time, value, flags), placed by hash.
 *    Each series' rows of one file go to a segment of their own; a series found out of time
 *    order is sorted (time-order.ts).
 * Two identities of the other rows sharing a hash (never seen, but possible) make the read
 * fall back to grouped lists over the whole source, which need no hash.
 */
import type { DuckDBConnection, DuckDBDataChunk } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";
import { isValid, quoteLiteral, structListColumn, type FlatField } from "../../../../shared/duckdb/index.ts";
import { writeStaleMarker } from "../../../../shared/series/index.ts";
import type { SeriesCollector } from "../../../../shared/series/otlp/index.ts";
import { NUMBER_IDENTITY, numberIdentityKey, type FileSeries, type FileSeriesCache, type NumberIdentity } from "./file-series.ts";
import { fixedWidth, int32Column, SAMPLE, samplesOf, type SampleColumns } from "./sample-columns.ts";
import { inTimeOrder } from "./time-order.ts";
import type { FamilySamples, FileSamplesCache } from "./file-samples.ts";
import { familiesInMemory, passesPrefilters, rowsInRange, type RowConditions } from "./in-memory-files.ts";
import { addMergedSeries, worthMerging } from "./merged-files.ts";
import { haveOneSchema } from "../file-schemas.ts";

const HASH = `hash(${NUMBER_IDENTITY})`;

interface Slot {
  identity: NumberIdentity;
  /** Rows of the series in the read, with or without a sample: a series with rows is returned. */
  rows: number;
  /** Its rows by source, in the order they are laid out (files oldest first, then the other rows). */
  segments: Segment[];
  times: Float64Array;
  values: Float64Array;
}

/** One source's rows of a series: `count` of them, laid out from `start`, filled up to `end`. */
interface Segment {
  slot: Slot;
  count: number;
  start: number;
  end: number;
}

/** A chunk's sample columns and, per row, where its series is found. */
type Held =
  | { files: Int32Array; rowNumbers: Int32Array; sample: SampleColumns; segments: (Segment | undefined)[][]; maps: FileSeries[] }
  | { hashes: Uint32Array; sample: SampleColumns };

/** Rows [from, to) of a series' family in memory, for its segment. */
interface Cut {
  segment: Segment;
  entry: FamilySamples;
  from: number;
  to: number;
}

export interface NumberRead {
  connection: DuckDBConnection;
  /** Conditions on a stored row (time range, names, types, label prefilters), all to hold. */
  where: string[];
  /** Names of the families to read (rows of any number type by these names are read). */
  names: ReadonlySet<string>;
  /** The metric types read as number series. */
  numberTypes: readonly string[];
  /** Parquet files, read through their row maps. */
  files: readonly string[];
  fileSeries: FileSeriesCache;
  /** Decoded samples of files read before: the files found there (or decoded now) are not scanned. */
  fileSamples: FileSamplesCache;
  /** The conditions of `where`, as they apply to rows held in memory. */
  conditions: RowConditions;
  /** The other rows (the live rows; the whole source when its files are not known), or null. */
  rest: string | null;
  /** The whole source, files and the other rows: for an exact sample count and the fallback. */
  source: string;
  maxSamples: number;
  tooManySamples: () => Error;
  /** Throws when the query was stopped. */
  checkStopped: () => void;
}

export async function readNumberSeries(read: NumberRead, collector: SeriesCollector): Promise<void> {
  const where = `WHERE ${read.where.join(" AND ")}`;
  const slots = new Map<string, Slot>();
  const slotOf = (identity: NumberIdentity, key: string) => {
    let slot = slots.get(key);
    if (slot === undefined) slots.set(key, (slot = { identity, rows: 0, segments: [], times: EMPTY, values: EMPTY }));
    return slot;
  };
  const segmentOf = (slot: Slot): Segment => ({ slot, count: 0, start: 0, end: 0 });
  let upperBound = 0;

  // The other rows' series first: a hash clash there reads everything the grouped way.
  const restSegments = new Map<number, Segment>();
  if (read.rest !== null) {
    const series = await read.connection.runAndReadAll(`SELECT ${HASH}, ${NUMBER_IDENTITY}, count(*)::DOUBLE FROM ${read.rest} ${where} GROUP BY ALL`);
    read.checkStopped();
    for (const r of series.getRows()) {
      const key = hashKey(r[0] as bigint);
      if (restSegments.has(key)) return readNumberLists(read, collector);
      const identity: NumberIdentity = {
        name: r[1] as string, unit: r[2] as string, type: r[3] as string, monotonic: r[4] as boolean, temporality: r[5] as number,
        attributes: r[6] as string, resourceAttributes: r[7] as string,
      };
      restSegments.set(key, segmentOf(slotOf(identity, numberIdentityKey(identity))));
      upperBound += r[8] as number;
    }
  }

  // Files oldest first, so a series' segments are usually in time order already; files
  // without a selected series are not read.
  const allFiles = [...read.files].sort();
  const allMaps = await read.fileSeries.of(read.connection, allFiles, read.numberTypes);
  read.checkStopped();
  const files: string[] = [];
  const maps: FileSeries[] = [];
  allMaps.forEach((map, k) => {
    let any = false;
    map.identities.forEach((identity, s) => {
      if (!read.names.has(identity.name)) return;
      upperBound += map.counts[s]!;
      any = true;
    });
    if (!any) return;
    files.push(allFiles[k]!);
    maps.push(map);
  });

  // A file's count is all its rows of the series: past the limit, the rows in the range decide.
  if (upperBound > read.maxSamples) {
    const counted = await read.connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${read.source} ${where}`);
    if ((counted.getRows()[0]?.[0] as number) > read.maxSamples) throw read.tooManySamples();
  }
  if (slots.size === 0 && files.length === 0) return;

  // Files in memory are cut by series there; the others are scanned.
  const inMemory = await familiesInMemory({ ...read, samples: read.fileSamples }, files, maps);
  read.checkStopped();
  // One family wholly in memory, nothing else: views of its rows merged over the files.
  if (restSegments.size === 0 && read.names.size === 1 && files.length > 0) {
    const [name] = read.names;
    const entries = inMemory.map((families) => families?.get(name!));
    if (entries.every((e) => e !== undefined)) {
      const merged = read.fileSamples.merged(name!, files, maps, entries, worthMerging(entries, read.conditions));
      if (merged !== null) return addMergedSeries(merged, read.conditions, collector);
    }
  }
  const fileSegments: (Segment | undefined)[][] = maps.map((map) => {
    const segments = new Array<Segment | undefined>(map.identities.length);
    map.identities.forEach((identity, s) => {
      if (!read.names.has(identity.name)) return;
      const segment = segmentOf(slotOf(identity, map.keys[s]!));
      segment.slot.segments.push(segment);
      segments[s] = segment;
    });
    return segments;
  });
  for (const segment of restSegments.values()) segment.slot.segments.push(segment);

  const cuts: Cut[] = [];
  const scanned: number[] = [];
  inMemory.forEach((families, k) => {
    if (families === null) return void scanned.push(k);
    fileSegments[k]!.forEach((segment, s) => {
      const identity = maps[k]!.identities[s]!;
      if (segment === undefined || !passesPrefilters(identity, read.conditions)) return;
      const entry = families.get(identity.name)!;
      const [from, to] = rowsInRange(entry, s, read.conditions);
      if (to === from) return;
      segment.count += to - from;
      segment.slot.rows += to - from;
      cuts.push({ segment, entry, from, to });
    });
  });

  // Read and counted by series first, so each series' arrays are allocated at their final size.
  const held: Held[] = [];
  if (scanned.length > 0) {
    const scanFiles = scanned.map((k) => files[k]!);
    const scanMaps = scanned.map((k) => maps[k]!);
    const scanSegments = scanned.map((k) => fileSegments[k]!);
    // file_index is the file's place in the list.
    const byName = (await haveOneSchema(read.connection, scanFiles)) ? "" : ", union_by_name = true";
    const scan = `read_parquet([${scanFiles.map(quoteLiteral).join(", ")}], hive_partitioning = false${byName})`;
    const result = await read.connection.stream(`SELECT file_index::INTEGER, file_row_number::INTEGER, ${SAMPLE} FROM ${scan} ${where}`);
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      read.checkStopped();
      const rows = duckdb.data_chunk_get_size(chunk.chunk);
      const one = { files: int32Column(chunk, 0, rows), rowNumbers: int32Column(chunk, 1, rows), sample: samplesOf(chunk, 2, rows), segments: scanSegments, maps: scanMaps };
      for (let i = 0; i < rows; i++) count(scanSegments[one.files[i]!]![scanMaps[one.files[i]!]!.rowSeries[one.rowNumbers[i]!]!]);
      held.push(one);
    }
  }
  if (restSegments.size > 0) {
    const result = await read.connection.stream(`SELECT ${HASH}, ${SAMPLE} FROM ${read.rest} ${where}`);
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      read.checkStopped();
      const rows = duckdb.data_chunk_get_size(chunk.chunk);
      const one = { hashes: new Uint32Array(fixedWidth(chunk, 0, rows, 8).buffer, 0, rows * 2), sample: samplesOf(chunk, 1, rows) };
      for (let i = 0; i < rows; i++) count(restSegments.get(restKey(one.hashes, i)));
      held.push(one);
    }
  }

  // One allocation for every series: a typed array per series would each add to the
  // collector's pressure, and the query holds them all until it ends anyway.
  let total = 0;
  for (const slot of slots.values()) for (const segment of slot.segments) total += segment.count;
  const allTimes = new Float64Array(total);
  const allValues = new Float64Array(total);
  let from = 0;
  for (const slot of slots.values()) {
    let at = 0;
    for (const segment of slot.segments) {
      segment.start = segment.end = at;
      at += segment.count;
    }
    slot.times = allTimes.subarray(from, from + at);
    slot.values = allValues.subarray(from, from + at);
    from += at;
  }
  for (const one of held) {
    const { sample } = one;
    if ("files" in one) {
      const { segments, maps } = one;
      for (let i = 0; i < one.files.length; i++) place(segments[one.files[i]!]![maps[one.files[i]!]!.rowSeries[one.rowNumbers[i]!]!]!, sample, i);
    } else {
      for (let i = 0; i < sample.times.length; i++) place(restSegments.get(restKey(one.hashes, i))!, sample, i);
    }
  }
  const allWords = new Uint32Array(allValues.buffer);
  for (const cut of cuts) placeCut(cut, allTimes, allWords);

  for (const slot of slots.values()) {
    if (slot.rows === 0) continue;
    const length = compact(slot);
    const { times, values } = inTimeOrder(slot.times.subarray(0, length), slot.values.subarray(0, length));
    collector.addNumberSeries(slot.identity, times, values);
  }
}

const EMPTY = new Float64Array(0);

/** A UBIGINT hash as a Map key: its low 53 bits (a clash there also falls back to the lists). */
function hashKey(hash: bigint): number {
  return Number(hash & 0x1f_ffff_ffff_ffffn);
}

/** The slot's segments moved together at its start (values as their bits); their length. */
function compact(slot: Slot): number {
  let at = 0;
  for (const { start, end } of slot.segments) {
    if (start !== at) {
      slot.times.copyWithin(at, start, end);
      slot.values.copyWithin(at, start, end);
    }
    at += end - start;
  }
  return at;
}

function restKey(hashes: Uint32Array, i: number): number {
  return hashes[2 * i]! + (hashes[2 * i + 1]! & 0x1fffff) * 4294967296;
}

/** Counts a row into its segment (and its series' rows). */
function count(segment: Segment | undefined): void {
  // Rows cannot appear between the two statements (files are immutable, live rows a snapshot).
  if (segment === undefined) throw new Error("metrics rows changed between the series and samples reads");
  segment.count++;
  segment.slot.rows++;
}

/** Flag bit 1 is a stale marker; a null value (a row kept only for its exemplars) is no sample. */
function place(segment: Segment, sample: SampleColumns, i: number): void {
  const slot = segment.slot;
  if ((sample.flags[i]! & 1) !== 0) writeStaleMarker(slot.values, segment.end);
  else if (isValid(sample.validity, i)) slot.values[segment.end] = sample.values[i]!;
  else return;
  slot.times[segment.end++] = sample.times[i]!;
}

/** Rows a cut must have for one TypedArray.set per array to beat the element loop. */
const BLOCK_COPY_ROWS = 32;

/**
 * A cut's rows copied into its segment, rows without a sample left out. Values go as their
 * two words, as a double read into JS may lose a stale marker's bits. A long cut without
 * skipped rows is copied in one block per array (a memmove); a short one element by element,
 * as many short copies cost far more through TypedArray.set.
 */
function placeCut({ segment, entry, from, to }: Cut, allTimes: Float64Array, allWords: Uint32Array): void {
  const slot = segment.slot;
  const base = slot.times.byteOffset / 8;
  const { times, valueWords, skips } = entry;
  let at = base + segment.end;
  if (skips === null && to - from >= BLOCK_COPY_ROWS) {
    allTimes.set(times.subarray(from, to), at);
    allWords.set(valueWords.subarray(2 * from, 2 * to), 2 * at);
    segment.end += to - from;
    return;
  }
  for (let i = from; i < to; i++) {
    if (skips !== null && skips[i] === 1) continue;
    allTimes[at] = times[i]!;
    allWords[2 * at] = valueWords[2 * i]!;
    allWords[2 * at + 1] = valueWords[2 * i + 1]!;
    at++;
  }
  segment.end = at - base;
}

/**
 * The grouped read: per row a series' identity and attribute texts, and its samples as one
 * list of (time, value, flags) in time order.
 */
async function readNumberLists(read: NumberRead, collector: SeriesCollector): Promise<void> {
  const result = await read.connection.stream(
    `SELECT ${NUMBER_IDENTITY}, list({ t: (time_unix_nano // 1000000)::DOUBLE, v: coalesce(value_double, value_int::DOUBLE), f: flags::INTEGER } ORDER BY time_unix_nano)
     FROM ${read.source} WHERE ${read.where.join(" AND ")} GROUP BY ALL`,
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
