/**
 * What to compact: the files of one partition — (org, bucket, table, hour folder), which
 * is also one shard — merged into files of about `targetBytes`. Only small files (under
 * half the target) are inputs: a file compaction made is left alone once it is large, so
 * an hour that keeps receiving late rows does not rewrite its big file every run.
 */
import type { DataFile } from "../../../shared/catalog/index.ts";

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
}

/** The folder of a manifest path (everything before the file name). */
export function partitionOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

export function planCompactions(files: readonly DataFile[], opts: PlanOptions): CompactionJob[] {
  const small = new Map<string, DataFile[]>();
  for (const file of files) {
    if (file.bytes >= opts.targetBytes / 2) continue;
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
    for (const file of candidates) {
      if (group.length > 0 && bytes + file.bytes > opts.targetBytes) {
        jobs.push({ partition, inputs: group });
        group = [];
        bytes = 0;
      }
      group.push(file);
      bytes += file.bytes;
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
