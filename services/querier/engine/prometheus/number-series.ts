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
import { isValid, structListColumn, type FlatField } from "../../../../shared/duckdb/index.ts";
import { writeStaleMarker } from "../../../../shared/series/index.ts";
import type { SeriesCollector } from "../../../../shared/series/otlp/index.ts";
import { NUMBER_IDENTITY, numberIdentityKey, type FileSeries, type FileSeriesCache, type NumberIdentity } from "./file-series.ts";
import { fixedWidth, int32Column, SAMPLE, samplesOf, type SampleColumns } from "./sample-columns.ts";
import { inTimeOrder } from "./time-order.ts";
import type { FamilySamples, FileSamplesCache } from "./file-samples.ts";
import { familiesInMemory, passesPrefilters, rowsInRange, type RowConditions } from "./in-memory-files.ts";
import { addMergedSeries, worthMerging } from "./merged-files.ts";
import { storedScan } from "../parquet-scan.ts";

const HASH = `hash(${NUMBER_IDENTITY})`;

/**
 * The read's series and their segments, as integers: a slot per series (numbered across the
 * files, file-slots.ts; the other rows' series not in any file after them), a segment per
 * source's rows of a series (file k's series s is segment fileBase[k] + s; the other rows'
 * series i is segment restBase + i). Plain typed arrays: an object per series and segment
 * costs a query over every series more than the samples do.
 */
interface Layout {
  /** Segment's slot; -1: not selected (a row found there means the rows changed). */
  segSlot: Int32Array;
  segCount: Int32Array;
  /** Where a segment's rows are laid out in the shared arrays, and filled up to. */
  segStart: Int32Array;
  segEnd: Int32Array;
  /** Rows of a slot in the read, with or without a sample: a series with rows is returned. */
  slotRows: Int32Array;
}

/** A chunk's sample columns and, per row, where its series is found. */
type Held =
  | { files: Int32Array; rowNumbers: Int32Array; sample: SampleColumns; bases: Int32Array; maps: FileSeries[] }
  | { hashes: Uint32Array; sample: SampleColumns };

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
  let upperBound = 0;

  // The other rows' series first: a hash clash there reads everything the grouped way.
  const restIdentities: NumberIdentity[] = [];
  const restOfHash = new Map<number, number>();
  if (read.rest !== null) {
    const series = await read.connection.runAndReadAll(`SELECT ${HASH}, ${NUMBER_IDENTITY}, count(*)::DOUBLE FROM ${read.rest} ${where} GROUP BY ALL`);
    read.checkStopped();
    for (const r of series.getRows()) {
      const key = hashKey(r[0] as bigint);
      if (restOfHash.has(key)) return readNumberLists(read, collector);
      restOfHash.set(key, restIdentities.length);
      restIdentities.push({
        name: r[1] as string, unit: r[2] as string, type: r[3] as string, monotonic: r[4] as boolean, temporality: r[5] as number,
        attributes: r[6] as string, resourceAttributes: r[7] as string,
      });
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
  const kept: number[] = [];
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
    kept.push(k);
  });

  // A file's count is all its rows of the series: past the limit, the rows in the range decide.
  if (upperBound > read.maxSamples) {
    const counted = await read.connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${read.source} ${where}`);
    if ((counted.getRows()[0]?.[0] as number) > read.maxSamples) throw read.tooManySamples();
  }
  if (restIdentities.length === 0 && files.length === 0) return;

  // Files in memory are cut by series there; the others are scanned.
  const inMemory = await familiesInMemory({ ...read, samples: read.fileSamples }, files, maps);
  read.checkStopped();
  // One family wholly in memory, nothing else: views of its rows merged over the files.
  if (restIdentities.length === 0 && read.names.size === 1 && files.length > 0) {
    const [name] = read.names;
    const entries = inMemory.map((families) => families?.get(name!));
    if (entries.every((e) => e !== undefined)) {
      const merged = read.fileSamples.merged(name!, files, maps, entries, worthMerging(entries, read.conditions));
      if (merged !== null) return addMergedSeries(merged, read.conditions, collector);
    }
  }

  // Slots: the files' (numbered over all the files, so a repeat finds them cached), then the
  // other rows' series found in no file.
  const table = read.fileSeries.slots.of(allFiles, allMaps);
  const identities = table.identities;
  const extra: NumberIdentity[] = [];
  let restKeys: Map<string, number> | null = null;
  const restSlots = new Int32Array(restIdentities.length);
  restIdentities.forEach((identity, i) => {
    const key = numberIdentityKey(identity);
    let slot = table.slotOfKey.get(key) ?? restKeys?.get(key);
    if (slot === undefined) {
      (restKeys ??= new Map()).set(key, (slot = identities.length + extra.length));
      extra.push(identity);
    }
    restSlots[i] = slot;
  });
  const slotCount = identities.length + extra.length;

  const fileBase = new Int32Array(files.length + 1);
  maps.forEach((map, k) => (fileBase[k + 1] = fileBase[k]! + map.identities.length));
  const restBase = fileBase[files.length]!;
  const segmentCount = restBase + restIdentities.length;
  const layout: Layout = {
    segSlot: new Int32Array(segmentCount).fill(-1),
    segCount: new Int32Array(segmentCount),
    segStart: new Int32Array(segmentCount),
    segEnd: new Int32Array(segmentCount),
    slotRows: new Int32Array(slotCount),
  };
  const { segSlot, segCount, slotRows } = layout;
  maps.forEach((map, k) => {
    const slots = table.bySeries[kept[k]!]!;
    const base = fileBase[k]!;
    for (let s = 0; s < slots.length; s++) if (read.names.has(map.identities[s]!.name)) segSlot[base + s] = slots[s]!;
  });
  restSlots.forEach((slot, i) => (segSlot[restBase + i] = slot));

  // Cuts of the files in memory: segment, entry, rows [from, to).
  const cutSegments: number[] = [];
  const cutEntries: FamilySamples[] = [];
  const cutRows: number[] = [];
  const scanned: number[] = [];
  inMemory.forEach((families, k) => {
    if (families === null) return void scanned.push(k);
    const map = maps[k]!;
    const base = fileBase[k]!;
    for (let s = 0; s < map.identities.length; s++) {
      const segment = base + s;
      const identity = map.identities[s]!;
      if (segSlot[segment]! < 0 || !passesPrefilters(identity, read.conditions)) continue;
      const entry = families.get(identity.name)!;
      const [from, to] = rowsInRange(entry, s, read.conditions);
      if (to === from) continue;
      segCount[segment]! += to - from;
      slotRows[segSlot[segment]!]! += to - from;
      cutSegments.push(segment);
      cutEntries.push(entry);
      cutRows.push(from, to);
    }
  });

  // Read and counted by series first, so each series' arrays are allocated at their final size.
  const held: Held[] = [];
  if (scanned.length > 0) {
    const scanFiles = scanned.map((k) => files[k]!);
    const scanMaps = scanned.map((k) => maps[k]!);
    const scanBases = Int32Array.from(scanned, (k) => fileBase[k]!);
    // file_index is the file's place in the list.
    const scan = await storedScan(read.connection, "metrics", scanFiles);
    const result = await read.connection.stream(`SELECT file_index::INTEGER, file_row_number::INTEGER, ${SAMPLE} FROM ${scan} ${where}`);
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      read.checkStopped();
      const rows = duckdb.data_chunk_get_size(chunk.chunk);
      const one = { files: int32Column(chunk, 0, rows), rowNumbers: int32Column(chunk, 1, rows), sample: samplesOf(chunk, 2, rows), bases: scanBases, maps: scanMaps };
      for (let i = 0; i < rows; i++) count(layout, fileSegment(one, i));
      held.push(one);
    }
  }
  if (restBase < segmentCount) {
    const result = await read.connection.stream(`SELECT ${HASH}, ${SAMPLE} FROM ${read.rest} ${where}`);
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      read.checkStopped();
      const rows = duckdb.data_chunk_get_size(chunk.chunk);
      const one = { hashes: new Uint32Array(fixedWidth(chunk, 0, rows, 8).buffer, 0, rows * 2), sample: samplesOf(chunk, 1, rows) };
      for (let i = 0; i < rows; i++) count(layout, restSegment(restOfHash, restBase, one.hashes, i));
      held.push(one);
    }
  }

  // One allocation for every series, each slot's rows in one run and its segments in order
  // within it (files oldest first, then the other rows): a typed array per series would each
  // add to the collector's pressure, and the query holds them all until it ends anyway.
  const slotStart = new Int32Array(slotCount + 1);
  for (let slot = 0; slot < slotCount; slot++) slotStart[slot + 1] = slotStart[slot]! + slotRows[slot]!;
  const allTimes = new Float64Array(slotStart[slotCount]!);
  const allValues = new Float64Array(slotStart[slotCount]!);
  const filled = slotStart.slice(0, slotCount);
  for (let segment = 0; segment < segmentCount; segment++) {
    const slot = segSlot[segment]!;
    if (slot < 0 || segCount[segment] === 0) continue;
    layout.segStart[segment] = layout.segEnd[segment] = filled[slot]!;
    filled[slot]! += segCount[segment]!;
  }
  for (const one of held) {
    const { sample } = one;
    if ("files" in one) {
      for (let i = 0; i < one.files.length; i++) place(layout, fileSegment(one, i), sample, i, allTimes, allValues);
    } else {
      for (let i = 0; i < sample.times.length; i++) place(layout, restSegment(restOfHash, restBase, one.hashes, i), sample, i, allTimes, allValues);
    }
  }
  const allWords = new Uint32Array(allValues.buffer);
  for (let c = 0; c < cutSegments.length; c++) placeCut(layout, cutSegments[c]!, cutEntries[c]!, cutRows[2 * c]!, cutRows[2 * c + 1]!, allTimes, allWords);

  // Rows without a sample leave gaps at their segments' ends: the segments moved together.
  const lengths = compact(layout, slotStart, allTimes, allValues);
  // The other rows' series first, then the files', as they were met.
  const identityOf = (slot: number) => (slot < identities.length ? identities[slot]! : extra[slot - identities.length]!);
  const emit = (slot: number) => {
    if (slotRows[slot] === 0) return;
    const from = slotStart[slot]!;
    const to = from + lengths[slot]!;
    const { times, values } = inTimeOrder(allTimes.subarray(from, to), allValues.subarray(from, to));
    collector.addNumberSeries(identityOf(slot), times, values);
  };
  let emitted: Uint8Array | null = null;
  if (restSlots.length > 0) {
    emitted = new Uint8Array(slotCount);
    for (const slot of restSlots) {
      if (emitted[slot] === 1) continue;
      emitted[slot] = 1;
      emit(slot);
    }
  }
  for (let slot = 0; slot < slotCount; slot++) if (emitted === null || emitted[slot] === 0) emit(slot);
}

const EMPTY_SEGMENT = -1;

/** A UBIGINT hash as a Map key: its low 53 bits (a clash there also falls back to the lists). */
function hashKey(hash: bigint): number {
  return Number(hash & 0x1f_ffff_ffff_ffffn);
}

/** Row i's segment in a scanned chunk of files, or EMPTY_SEGMENT for a row of no series of the map. */
function fileSegment(one: { files: Int32Array; rowNumbers: Int32Array; bases: Int32Array; maps: FileSeries[] }, i: number): number {
  const file = one.files[i]!;
  const map = one.maps[file]!;
  const s = map.rowSeries[one.rowNumbers[i]!]!;
  return s < map.identities.length ? one.bases[file]! + s : EMPTY_SEGMENT;
}

function restSegment(restOfHash: Map<number, number>, restBase: number, hashes: Uint32Array, i: number): number {
  const at = restOfHash.get(hashes[2 * i]! + (hashes[2 * i + 1]! & 0x1fffff) * 4294967296);
  return at === undefined ? EMPTY_SEGMENT : restBase + at;
}

/** Counts a row into its segment (and its series' rows). */
function count(layout: Layout, segment: number): void {
  // Rows cannot appear between the two statements (files are immutable, live rows a snapshot).
  const slot = segment < 0 ? -1 : layout.segSlot[segment]!;
  if (slot < 0) throw new Error("metrics rows changed between the series and samples reads");
  layout.segCount[segment]!++;
  layout.slotRows[slot]!++;
}

/** Each slot's segments moved together at its start; the slots' lengths. */
function compact(layout: Layout, slotStart: Int32Array, allTimes: Float64Array, allValues: Float64Array): Int32Array {
  const { segSlot, segStart, segEnd } = layout;
  const lengths = new Int32Array(slotStart.length - 1);
  for (let segment = 0; segment < segSlot.length; segment++) {
    const slot = segSlot[segment]!;
    if (slot < 0) continue;
    const start = segStart[segment]!;
    const end = segEnd[segment]!;
    const at = slotStart[slot]! + lengths[slot]!;
    if (start !== at && end > start) {
      allTimes.copyWithin(at, start, end);
      allValues.copyWithin(at, start, end);
    }
    lengths[slot]! += end - start;
  }
  return lengths;
}

/** Flag bit 1 is a stale marker; a null value (a row kept only for its exemplars) is no sample. */
function place(layout: Layout, segment: number, sample: SampleColumns, i: number, allTimes: Float64Array, allValues: Float64Array): void {
  const at = layout.segEnd[segment]!;
  if ((sample.flags[i]! & 1) !== 0) writeStaleMarker(allValues, at);
  else if (isValid(sample.validity, i)) allValues[at] = sample.values[i]!;
  else return;
  allTimes[at] = sample.times[i]!;
  layout.segEnd[segment] = at + 1;
}

/** Rows a cut must have for one TypedArray.set per array to beat the element loop. */
const BLOCK_COPY_ROWS = 32;

/**
 * A cut's rows copied into its segment, rows without a sample left out. Values go as their
 * two words, as a double read into JS may lose a stale marker's bits. A long cut without
 * skipped rows is copied in one block per array (a memmove); a short one element by element,
 * as many short copies cost far more through TypedArray.set.
 */
function placeCut(layout: Layout, segment: number, entry: FamilySamples, from: number, to: number, allTimes: Float64Array, allWords: Uint32Array): void {
  const { times, valueWords, skips } = entry;
  let at = layout.segEnd[segment]!;
  if (skips === null && to - from >= BLOCK_COPY_ROWS) {
    allTimes.set(times.subarray(from, to), at);
    allWords.set(valueWords.subarray(2 * from, 2 * to), 2 * at);
    layout.segEnd[segment] = at + (to - from);
    return;
  }
  for (let i = from; i < to; i++) {
    if (skips !== null && skips[i] === 1) continue;
    allTimes[at] = times[i]!;
    allWords[2 * at] = valueWords[2 * i]!;
    allWords[2 * at + 1] = valueWords[2 * i + 1]!;
    at++;
  }
  layout.segEnd[segment] = at;
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
