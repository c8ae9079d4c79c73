/**
 * The number-shaped series (gauges, sums, remote write samples: one sample per row) of each
 * Parquet file, and which series every row of the file belongs to, found once per file:
 * files never change once written (a compaction writes a new one). A selector then reads
 * only each row's number, time, value and flags and places the row into its series by that
 * number (number-series.ts), instead of grouping every row by its identity and attribute
 * texts on every query, which cost most of a dashboard query's time.
 * Bounded by the bytes of the row maps (least recently used first out); a miss only costs
 * one grouped read of the file.
 */
import type { DuckDBConnection, DuckDBDataChunk } from "@duckdb/node-api";
import { LRUCache } from "lru-cache";
import { registerFileFacts, type FileFactsCache } from "../file-facts.ts";
import { flatListColumn, quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { MetricIdentity, StoredMetricRow } from "../../../../shared/series/otlp/index.ts";
import { FileSlotsCache } from "./file-slots.ts";
import { storedScan } from "../parquet-scan.ts";

export type NumberIdentity = MetricIdentity & Pick<StoredMetricRow, "attributes" | "resourceAttributes">;

export const NUMBER_IDENTITY = "metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality, attributes, resource_attributes";

export interface FileSeries {
  /** Series i's identity and its key (numberIdentityKey). */
  identities: NumberIdentity[];
  keys: string[];
  /** Rows of series i in the file. */
  counts: Uint32Array;
  /** Row r's series; the array's largest value for rows that are no number sample (and past the last one). */
  rowSeries: Uint16Array | Uint32Array;
}

/** Bytes of row maps kept at most. */
const MAX_BYTES = 256 * 1024 * 1024;

export class FileSeriesCache implements FileFactsCache {
  /** The files' series numbered across a file list (file-slots.ts), for the lists read lately. */
  readonly slots = new FileSlotsCache();
  private readonly cache = new LRUCache<string, Promise<FileSeries>>({
    maxSize: MAX_BYTES,
    // A pending read counts one byte until it is replaced by its answer's size.
    sizeCalculation: () => 1,
  });

  constructor() {
    registerFileFacts(this);
  }

  forgetFiles(paths: ReadonlySet<string>): void {
    for (const path of paths) this.cache.delete(path);
  }

  /** The series of each file of `files`, in their order (missing ones read in one statement). */
  async of(connection: DuckDBConnection, files: readonly string[], numberTypes: readonly string[]): Promise<FileSeries[]> {
    // Taken before any new entry goes in: adding one may evict another of these files.
    const found = new Map<string, Promise<FileSeries>>();
    const missing: string[] = [];
    for (const file of new Set(files)) {
      const cached = this.cache.get(file);
      if (cached) found.set(file, cached);
      else missing.push(file);
    }
    if (missing.length > 0) {
      const read = readFileSeries(connection, missing, numberTypes);
      for (const file of missing) {
        const one = read.then((all) => all.get(file)!);
        found.set(file, one);
        this.cache.set(file, one);
        one.then(
          (series) => {
            if (this.cache.peek(file) === one) this.cache.set(file, one, { size: Math.max(1, series.rowSeries.byteLength) });
          },
          () => {
            if (this.cache.peek(file) === one) this.cache.delete(file);
          },
        );
      }
    }
    return Promise.all(files.map((f) => found.get(f)!));
  }
}

export function numberIdentityKey(id: NumberIdentity): string {
  return `${id.name}\u0000${id.unit}\u0000${id.type}\u0000${id.monotonic}\u0000${id.temporality}\u0000${id.attributes}\u0000${id.resourceAttributes}`;
}

async function readFileSeries(connection: DuckDBConnection, files: readonly string[], numberTypes: readonly string[]): Promise<Map<string, FileSeries>> {
  // Grouped by the file's place in the list (file_index), not its name: a path per row costs
  // the grouping far more to hash than an integer.
  const scan = await storedScan(connection, "metrics", files, { byName: true });
  const result = await connection.stream(
    `SELECT file_index::INTEGER, ${NUMBER_IDENTITY}, list(file_row_number::INTEGER)
     FROM ${scan}
     WHERE metric_type IN (${numberTypes.map(quoteLiteral).join(", ")}) GROUP BY ALL`,
  );
  const building = files.map(() => ({ identities: [] as NumberIdentity[], rows: [] as Int32Array[] }));
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) addChunk(chunk, building);
  const out = new Map<string, FileSeries>();
  building.forEach(({ identities, rows }, k) => out.set(files[k]!, fileSeries(identities, rows)));
  return out;
}

function addChunk(chunk: DuckDBDataChunk, building: { identities: NumberIdentity[]; rows: Int32Array[] }[]): void {
  const texts = [0, 1, 2, 3, 4, 5, 6, 7].map((c) => chunk.getColumnVector(c));
  const lists = flatListColumn(chunk, 8, "int32");
  const rowNumbers = lists.field.values as Int32Array;
  for (let r = 0; r < chunk.rowCount; r++) {
    const file = building[texts[0]!.getItem(r) as number];
    if (file === undefined) continue;
    file.identities.push({
      name: texts[1]!.getItem(r) as string, unit: texts[2]!.getItem(r) as string, type: texts[3]!.getItem(r) as string,
      monotonic: texts[4]!.getItem(r) as boolean, temporality: texts[5]!.getItem(r) as number,
      attributes: texts[6]!.getItem(r) as string, resourceAttributes: texts[7]!.getItem(r) as string,
    });
    file.rows.push(rowNumbers.slice(lists.offsets[r]!, lists.offsets[r]! + lists.lengths[r]!));
  }
}

function fileSeries(identities: NumberIdentity[], rows: Int32Array[]): FileSeries {
  let end = 0;
  for (const list of rows) for (let i = 0; i < list.length; i++) end = Math.max(end, list[i]! + 1);
  const rowSeries = identities.length < 0xffff ? new Uint16Array(end).fill(0xffff) : new Uint32Array(end).fill(0xffffffff);
  const counts = new Uint32Array(identities.length);
  rows.forEach((list, s) => {
    counts[s] = list.length;
    for (let i = 0; i < list.length; i++) rowSeries[list[i]!] = s;
  });
  return { identities, keys: identities.map(numberIdentityKey), counts, rowSeries };
}
