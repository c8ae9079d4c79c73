/**
 * The decoded samples of a Parquet file's number series, one metric family at a time, kept
 * in memory between queries: files never change once written (a compaction or a retention
 * pass writes or drops whole files under new names), so a repeated dashboard query serves
 * the files it read before from here and asks DuckDB only for the others, much as
 * Prometheus serves from its head block and mmapped chunks.
 * An entry is the whole family in its file, every row of each series in time order: a query
 * cuts its time range out of it by binary search (number-series.ts), so one entry serves
 * every range. Bounded by bytes (`query.promql_sample_cache`; least recently used first
 * out); a read whose missing families would not fit at all is left to DuckDB.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";
import { LRUCache } from "lru-cache";
import { isValid, quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { timeOrder, writeStaleMarker } from "../../../../shared/series/index.ts";
import type { FileSeries } from "./file-series.ts";
import { mergedBytes, mergeFamily, NOT_MERGEABLE, type MergedFamily } from "./merged-files.ts";
import { int32Column, SAMPLE, samplesOf } from "./sample-columns.ts";
import { storedScan } from "../parquet-scan.ts";
import { registerFileFacts, type FileFactsCache } from "../file-facts.ts";

/** One metric family's rows in one file. */
export interface FamilySamples {
  /** The row map the rows were placed by: series s here is series s of that map. */
  map: FileSeries;
  /** Series s's rows are [offsets[s], offsets[s + 1]) of the arrays below, in time order. */
  offsets: Uint32Array;
  times: Float64Array;
  /** Values (stale markers as their bits), and the same as two words each (to copy them bit for bit). */
  values: Float64Array;
  valueWords: Uint32Array;
  /** 1 for a row that is no sample (a null value, kept for its exemplars); null when none is. */
  skips: Uint8Array | null;
  /** The earliest row's time (ms, rounded down): retention cuts into the entry only past it. */
  minMs: number;
  /** The latest row's time (ms). */
  maxMs: number;
}

/** Bytes kept when no configuration says (`query.promql_sample_cache`'s default). */
export const DEFAULT_PROMQL_SAMPLE_CACHE_BYTES = 512 * 1024 * 1024;

/** Bytes one row costs in an entry (time and value). */
const ROW_BYTES = 16;

export class FileSamplesCache implements FileFactsCache {
  /** Per-file entries, and families merged over a file list (merged-files.ts). */
  private readonly cache: LRUCache<string, Entry> | null;

  /** `maxBytes` 0 keeps nothing: every read goes to DuckDB. */
  constructor(readonly maxBytes: number) {
    this.cache = maxBytes > 0 ? new LRUCache({ maxSize: maxBytes, max: MAX_ENTRIES, sizeCalculation: entryBytes }) : null;
    if (this.cache !== null) registerFileFacts(this);
  }

  /** A file's entries, and the merged families of lists holding it, once it left the manifest. */
  forgetFiles(paths: ReadonlySet<string>): void {
    for (const key of [...(this.cache?.keys() ?? [])]) if (filesOfKey(key).some((f) => paths.has(f))) this.cache!.delete(key);
  }

  get bytes(): number {
    return this.cache?.calculatedSize ?? 0;
  }

  /** The cached family `name` of `file`, if it was decoded by this very row map. */
  get(file: string, name: string, map: FileSeries): FamilySamples | undefined {
    const entry = this.cache?.get(key(file, name));
    return entry !== undefined && "map" in entry && entry.map === map ? entry : undefined;
  }

  /**
   * Family `name` over `files` (in order; their row maps and entries of the family), merged
   * when it can be and kept; null when it cannot be (remembered), is not kept, or is not
   * there and `build` is false.
   */
  merged(name: string, files: readonly string[], maps: readonly FileSeries[], entries: readonly FamilySamples[], build: boolean): MergedFamily | null {
    if (this.cache === null) return null;
    const at = mergedKey(name, files);
    const found = this.cache.get(at);
    if (found !== undefined && "merged" in found && found.maps.length === maps.length && found.maps.every((m, k) => m === maps[k])) {
      return found.merged === NOT_MERGEABLE ? null : found.merged;
    }
    // Built only where it can be kept beside the entries it copies: one that could not would be rebuilt by every query.
    if (!build || entries.reduce((n, e) => n + e.times.length, 0) * ROW_BYTES * 2 > this.maxBytes) return null;
    const merged = mergeFamily(name, maps, entries);
    this.cache.set(at, { maps, merged });
    return merged === NOT_MERGEABLE ? null : merged;
  }

  /** Whether decoding these rows could be kept at all. */
  fits(rows: number): boolean {
    return this.cache !== null && rows * ROW_BYTES <= this.maxBytes;
  }

  /**
   * Decodes the families `names` of each file (of number types `numberTypes`), keeps them,
   * and returns them by file and name (whether or not they stay cached).
   */
  async fill(
    connection: DuckDBConnection, files: readonly string[], maps: readonly FileSeries[], names: ReadonlySet<string>, numberTypes: readonly string[],
    checkStopped: () => void,
  ): Promise<Map<string, FamilySamples>[]> {
    const building = maps.map((map) => startFamilies(map, names));
    // file_index is the file's place in the list; every row is read, whatever its time.
    const scan = await storedScan(connection, "metrics", files);
    const result = await connection.stream(
      `SELECT file_index::INTEGER, file_row_number::INTEGER, ${SAMPLE}
       FROM ${scan}
       WHERE metric_name IN (${[...names].map(quoteLiteral).join(", ")}) AND metric_type IN (${numberTypes.map(quoteLiteral).join(", ")})`,
    );
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      checkStopped();
      const rows = duckdb.data_chunk_get_size(chunk.chunk);
      const fileOf = int32Column(chunk, 0, rows);
      const rowNumbers = int32Column(chunk, 1, rows);
      const sample = samplesOf(chunk, 2, rows);
      // The file's arrays are looked up again only where the file changes (rows of a file come in runs).
      let k = -1;
      let rowSeries: Uint16Array | Uint32Array = EMPTY_ROWS;
      let bySeries: (Building | undefined)[] = [];
      for (let i = 0; i < rows; i++) {
        if (fileOf[i] !== k) {
          k = fileOf[i]!;
          rowSeries = maps[k]!.rowSeries;
          bySeries = building[k]!.bySeries;
        }
        const s = rowSeries[rowNumbers[i]!]!;
        const family = bySeries[s];
        if (family === undefined) throw new Error("metrics rows changed between the series and samples reads");
        const at = family.filled[s]!++;
        const entry = family.entry;
        if ((sample.flags[i]! & 1) !== 0) writeStaleMarker(entry.values, at);
        else if (isValid(sample.validity, i)) entry.values[at] = sample.values[i]!;
        else (entry.skips ??= new Uint8Array(entry.times.length))[at] = 1;
        entry.times[at] = sample.times[i]!;
      }
    }
    return building.map(({ families }, k) => {
      for (const [name, family] of families) {
        sortSeries(family.entry);
        this.cache?.set(key(files[k]!, name), family.entry);
      }
      return new Map([...families].map(([name, family]) => [name, family.entry]));
    });
  }
}

const EMPTY_ROWS = new Uint16Array(0);

interface Building {
  entry: FamilySamples;
  /** Per series, where its next row goes. */
  filled: Uint32Array;
}

/** Empty entries of a file's families `names`, each laid out by its series' row counts. */
function startFamilies(map: FileSeries, names: ReadonlySet<string>): { families: Map<string, Building>; bySeries: (Building | undefined)[] } {
  const families = new Map<string, Building>();
  const bySeries = new Array<Building | undefined>(map.identities.length);
  const rowsByName = new Map<string, number>();
  map.identities.forEach(({ name }, s) => {
    if (names.has(name)) rowsByName.set(name, (rowsByName.get(name) ?? 0) + map.counts[s]!);
  });
  for (const [name, rows] of rowsByName) {
    const offsets = new Uint32Array(map.identities.length + 1);
    let at = 0;
    map.identities.forEach((identity, s) => {
      offsets[s] = at;
      if (identity.name === name) at += map.counts[s]!;
    });
    offsets[map.identities.length] = at;
    const values = new Float64Array(rows);
    const entry: FamilySamples = { map, offsets, times: new Float64Array(rows), values, valueWords: new Uint32Array(values.buffer), skips: null, minMs: Infinity, maxMs: -Infinity };
    families.set(name, { entry, filled: offsets.slice(0, map.identities.length) });
  }
  map.identities.forEach(({ name }, s) => (bySeries[s] = families.get(name)));
  return { families, bySeries };
}

/** Each series' rows put in time order (as the read of the same rows would be: stable, from the scan's order). */
function sortSeries(entry: FamilySamples): void {
  const { offsets } = entry;
  for (let s = 0; s + 1 < offsets.length; s++) {
    const from = offsets[s]!;
    const to = offsets[s + 1]!;
    const times = entry.times.subarray(from, to);
    let sorted = true;
    for (let i = 1; i < times.length && sorted; i++) sorted = times[i - 1]! <= times[i]!;
    if (!sorted) reorder(entry, from, to);
    if (to > from) {
      entry.minMs = Math.min(entry.minMs, entry.times[from]!);
      entry.maxMs = Math.max(entry.maxMs, entry.times[to - 1]!);
    }
  }
}

/** Rows [from, to) of the entry sorted by time. */
function reorder(entry: FamilySamples, from: number, to: number): void {
  const times = entry.times.subarray(from, to);
  const order = timeOrder(times);
  const oldTimes = times.slice();
  // Values are moved as their bits (two words each), so stale markers survive.
  const words = new Uint32Array(entry.values.buffer, entry.values.byteOffset + from * 8, (to - from) * 2);
  const oldWords = words.slice();
  const skips = entry.skips?.subarray(from, to);
  const oldSkips = skips?.slice();
  for (let i = 0; i < order.length; i++) {
    const j = order[i]!;
    times[i] = oldTimes[j]!;
    words[2 * i] = oldWords[2 * j]!;
    words[2 * i + 1] = oldWords[2 * j + 1]!;
    if (skips) skips[i] = oldSkips![j]!;
  }
}

/** A merged family, or the mark that its file list cannot be merged, with the row maps it holds for. */
interface MergedEntry {
  maps: readonly FileSeries[];
  merged: MergedFamily | typeof NOT_MERGEABLE;
}

type Entry = FamilySamples | MergedEntry;

function key(file: string, name: string): string {
  return `${file}\u0000${name}`;
}

function mergedKey(name: string, files: readonly string[]): string {
  return `merged\u0000${name}\u0000${files.join("\u0000")}`;
}

/** The files an entry's key (`key` or `mergedKey`) names. */
function filesOfKey(k: string): string[] {
  const parts = k.split("\u0000");
  return parts[0] === "merged" ? parts.slice(2) : [parts[0]!];
}

/**
 * Entries kept at most, whatever their bytes: a merged entry's key names a whole file list, and
 * each flush makes a new list, so small "not mergeable" entries would otherwise pile up.
 */
const MAX_ENTRIES = 16_384;

/** An entry's samples plus its key's text: keys of merged entries grow with their file lists. */
function entryBytes(entry: Entry, key: string): number {
  const keyBytes = key.length * 2;
  if ("merged" in entry) return keyBytes + entry.maps.length * 8 + (entry.merged === NOT_MERGEABLE ? 0 : mergedBytes(entry.merged));
  return keyBytes + entry.times.byteLength + entry.values.byteLength + entry.offsets.byteLength + (entry.skips?.byteLength ?? 0);
}
