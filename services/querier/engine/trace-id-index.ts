/**
 * Which span files can hold given trace ids, and where in them, answered from memory. Trace
 * ids are random, so a file's min/max statistics rule nothing out, and its bloom filters give
 * false positives on about 1% of row groups per id (a search asks for dozens of ids at once:
 * every file would pass). Instead each file's distinct trace ids are read once (files are
 * immutable and a path never gets other content) and kept as the sorted last 64 bits of each
 * id: a file whose list lacks an id's last 64 bits cannot hold it. A hit may be a false
 * positive (two ids sharing 64 bits): that only costs a read, never a row. The LAST 64 bits,
 * because 64-bit Jaeger / Zipkin ids arrive left-padded with zeros; W3C ids are random
 * throughout.
 *
 * Each id also keeps the first and last row of the file holding it. Every writer keeps a
 * trace's spans together, so in a large file the wanted traces sit in a row range a
 * `file_row_number` filter reaches: DuckDB then skips the other row groups (a compacted file
 * orders traces by time, not id, so its trace_id statistics prune nothing: docs/architecture.md §6).
 *
 * A file with a trace id that is not hex (the acceptor always writes 32 hex digits) is not
 * indexed and always read. Memory is bounded: past `maxIds` ids the least recently used
 * files' lists go (lru-cache, sized by ids), so the files queries keep touching stay. One
 * call indexes at most `maxBuildPerCall` new files (the rest are read unpruned this time), so
 * a first query over a long range does not pay for indexing all of it at once.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { LRUCache } from "lru-cache";
import { registerFileFacts, type FileFactsCache } from "./file-facts.ts";
import { connectionOf, type ConnectionSource } from "./lazy-connection.ts";
import { parquetScan } from "./parquet-scan.ts";

/** 16 bytes each (key, first and last row): 8M ids ≈ 128 MiB. */
const DEFAULT_MAX_IDS = 8_000_000;
/** Each costs a read of a file's trace_id column. */
const DEFAULT_MAX_BUILD_PER_CALL = 64;

/**
 * A file of fewer rows is one row group as writers write spans: a row range would skip
 * nothing there, and a file read with one costs a scan of its own.
 */
export const MIN_RANGED_ROWS = 4_097;

/** Sorted id keys of one file with each key's first and last row; null when the file cannot be indexed (always read). */
type Entry = { keys: BigUint64Array; first: Uint32Array; last: Uint32Array; rows: number } | null;

/** Rows `first`..`last` (inclusive, 0-based as DuckDB's file_row_number) hold every wanted span of a file. */
export interface RowRange {
  first: number;
  last: number;
}

export interface TraceLocations {
  /** The files (in the given order) that may hold at least one of the ids. */
  files: string[];
  /** For large files: the rows that may hold them (a file not here is read whole). */
  rows: Map<string, RowRange>;
}

export class TraceIdIndex implements FileFactsCache {
  /** Boxed: lru-cache stores no null. Each file counts its ids (at least 1) against `maxIds`. */
  private readonly entries: LRUCache<string, { entry: Entry }>;

  constructor(
    maxIds = DEFAULT_MAX_IDS,
    private readonly maxBuildPerCall = DEFAULT_MAX_BUILD_PER_CALL,
  ) {
    this.entries = new LRUCache({ maxSize: maxIds, sizeCalculation: ({ entry }) => Math.max(1, entry?.keys.length ?? 0) });
    registerFileFacts(this);
  }

  forgetFiles(paths: ReadonlySet<string>): void {
    for (const path of paths) this.entries.delete(path);
  }

  /** The files (in the given order) that may hold at least one of `traceIds`. */
  async filesHolding(connection: ConnectionSource, files: readonly string[], traceIds: readonly string[]): Promise<string[]> {
    return (await this.locate(connection, files, traceIds)).files;
  }

  /** The files that may hold at least one of `traceIds`, and in large ones the rows that may. */
  async locate(connection: ConnectionSource, files: readonly string[], traceIds: readonly string[]): Promise<TraceLocations> {
    const keys = traceIds.map(idKey);
    const rows = new Map<string, RowRange>();
    // An id we cannot key (not hex, shorter than 64 bits) could be anywhere.
    if (keys.some((k) => k === undefined)) return { files: [...files], rows };
    const entries = await this.entriesFor(connection, files);
    const held = files.filter((f) => {
      const entry = entries.get(f);
      if (entry === null || entry === undefined) return true;
      let range: RowRange | undefined;
      for (const key of keys) {
        const at = indexOf(entry.keys, key!);
        if (at < 0) continue;
        range = { first: Math.min(range?.first ?? Infinity, entry.first[at]!), last: Math.max(range?.last ?? -1, entry.last[at]!) };
      }
      if (range === undefined) return false;
      if (entry.rows >= MIN_RANGED_ROWS && (range.last - range.first + 1) * 2 <= entry.rows) rows.set(f, range);
      return true;
    });
    return { files: held, rows };
  }

  private async entriesFor(connection: ConnectionSource, files: readonly string[]): Promise<Map<string, Entry>> {
    const out = new Map<string, Entry>();
    const unknown: string[] = [];
    for (const f of new Set(files)) {
      const hit = this.entries.get(f);
      if (hit === undefined) unknown.push(f);
      else out.set(f, hit.entry);
    }
    if (unknown.length === 0) return out;
    const built = await readEntries(await connectionOf(connection), unknown.slice(0, this.maxBuildPerCall));
    // Evictions drop the least recently used lists, never this call's answers. A list larger
    // than the whole bound is not kept (lru-cache refuses it) and is read again next time.
    for (const [f, entry] of built) {
      this.entries.set(f, { entry });
      out.set(f, entry);
    }
    // Files left for a later call: absent from `out`, so kept.
    return out;
  }
}

/** The last 64 bits of a hex trace id, or undefined when it does not end in 16 hex digits. */
export function idKey(traceId: string): bigint | undefined {
  if (!/[0-9a-fA-F]{16}$/.test(traceId)) return undefined;
  return BigInt(`0x${traceId.slice(-16)}`);
}

async function readEntries(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, Entry>> {
  // The same key as idKey: the last 16 hex digits, NULL when the id does not end in them.
  const key = `CASE WHEN regexp_matches(trace_id, '[0-9a-fA-F]{16}$') THEN CAST('0x' || right(trace_id, 16) AS UBIGINT) END`;
  const reader = await connection.runAndReadAll(
    `SELECT filename, bool_and(_k IS NOT NULL) AS indexable, sum(_n) AS n, ` +
      `list(_k ORDER BY _k) AS keys, list(_first ORDER BY _k) AS firsts, list(_last ORDER BY _k) AS lasts ` +
      `FROM (SELECT filename, ${key} AS _k, count(*) AS _n, min(file_row_number) AS _first, max(file_row_number) AS _last ` +
      `FROM ${parquetScan(files, { filename: true, fileRowNumber: true })} GROUP BY ALL) ` +
      `GROUP BY filename`,
  );
  // A file with no rows holds no trace: an empty list.
  const empty = (): Entry => ({ keys: new BigUint64Array(0), first: new Uint32Array(0), last: new Uint32Array(0), rows: 0 });
  const out = new Map<string, Entry>(files.map((f) => [f, empty()]));
  type Row = [string, boolean, bigint, ...{ items: (bigint | null)[] }[]];
  for (const [name, indexable, n, keys, firsts, lasts] of reader.getRows() as Row[]) {
    const rowsOf = (list: { items: (bigint | null)[] }) => Uint32Array.from(list.items, Number);
    out.set(name, indexable ? { keys: BigUint64Array.from(keys!.items as bigint[]), first: rowsOf(firsts!), last: rowsOf(lasts!), rows: Number(n) } : null);
  }
  return out;
}

/** Where `key` is in `sorted`, or -1. */
function indexOf(sorted: BigUint64Array, key: bigint): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === key) return mid;
    if (v < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
