/**
 * What to compact: the files of one partition — (org, bucket, table, hour folder), which
 * is also one shard — merged into files of about `targetBytes` (and, for spans, at most
 * `maxRows`). Only small files (under half of either bound) are inputs: a file compaction
 * made is left alone once it is large, so an hour that keeps receiving late rows does not
 * rewrite its big file every run.
 */
import type { DataFile } from "../../../shared/catalog/index.ts";
import type { TableName } from "../../../shared/tables/index.ts";

/**
 * Rows per compacted file, for tables whose readers fetch a few rows by location. A trace by
 * id reads the row group holding its trace (trace-id-index.ts), yet DuckDB still pays for
 * every other row group of the file, in every column, even when the row-range filter skips
 * it; and it writes no row group under 2,048 rows. So a compacted span file holds a few row
 * groups: a lookup pays for those few, whatever the hour's volume. A search or a scan reads
 * the same row groups either way and pays only one footer per extra file.
 */
export const COMPACTED_FILE_ROWS: Readonly<Partial<Record<TableName, number>>> = { traces: 16_384 };

export interface CompactionJob {
  /** The hour folder the inputs share (`{org}/{bucket}/{table}/date=…/hour=…`). */
  partition: string;
  inputs: DataFile[];
  /** Retention: rows before this are left out (a file that straddles the cutoff is rewritten, even alone). */
  notBeforeNs?: bigint;
}

export interface PlanOptions {
  targetBytes: number;
  minFiles: number;
  /** At most this many rows per output (COMPACTED_FILE_ROWS); unset, bytes alone bound it. */
  maxRows?: number;
}

/** The folder of a manifest path (everything before the file name). */
export function partitionOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

export function planCompactions(files: readonly DataFile[], opts: PlanOptions): CompactionJob[] {
  const maxRows = opts.maxRows ?? Infinity;
  const small = new Map<string, DataFile[]>();
  for (const file of files) {
    if (file.bytes >= opts.targetBytes / 2 || file.rows >= maxRows / 2) continue;
    const partition = partitionOf(file.path);
    const list = small.get(partition);
    if (list) list.push(file);
    else small.set(partition, [file]);
  }
  const jobs: CompactionJob[] = [];
  for (const [partition, candidates] of small) {
    if (candidates.length < opts.minFiles) continue;
    // Oldest first: the batches a failover wrote twice are then kept from their first file.
    candidates.sort((a, b) => a.createdAt - b.createdAt || (a.path < b.path ? -1 : 1));
    let group: DataFile[] = [];
    let bytes = 0;
    let rows = 0;
    for (const file of candidates) {
      if (group.length > 0 && (bytes + file.bytes > opts.targetBytes || rows + file.rows > maxRows)) {
        jobs.push({ partition, inputs: group });
        group = [];
        bytes = 0;
        rows = 0;
      }
      group.push(file);
      bytes += file.bytes;
      rows += file.rows;
    }
    if (group.length > 1) jobs.push({ partition, inputs: group });
  }
  return jobs;
}

/** Files wholly older than `cutoffNs`: every row in them is past retention. */
export function expiredFiles(files: readonly DataFile[], cutoffNs: bigint): DataFile[] {
  return files.filter((f) => BigInt(f.maxTime) < cutoffNs);
}

/** Files with rows on both sides of `cutoffNs`: rewritten without the expired ones. */
export function straddlingFiles(files: readonly DataFile[], cutoffNs: bigint): DataFile[] {
  return files.filter((f) => BigInt(f.minTime) < cutoffNs && BigInt(f.maxTime) >= cutoffNs);
}
