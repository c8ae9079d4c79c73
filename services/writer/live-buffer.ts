/**
 * Acknowledged batches not yet in Parquet, by (org, bucket, table). Queries read them
 * (read-your-writes); the flusher drains them. Batch ids make adds idempotent.
 */
import type { RecordBatch } from "apache-arrow";
import type { TableName } from "../../shared/signals/tables.ts";

export interface LiveEntry {
  batchId: string;
  orgId: string;
  bucket: string;
  table: TableName;
  shardId: number;
  batch: RecordBatch;
}

const keyOf = (orgId: string, bucket: string, table: string) => `${orgId}\x00${bucket}\x00${table}`;

/** How many flushed batch ids are remembered, so a late retry of one is acked, not stored again. */
const FLUSHED_MEMORY = 100_000;

export class LiveBuffer {
  private readonly byKey = new Map<string, Map<string, LiveEntry>>();
  private readonly flushed = new Set<string>();
  private totalRows = 0;
  private totalBatches = 0;

  /** False when the batch is already buffered (a retried write). */
  add(entry: LiveEntry): boolean {
    const key = keyOf(entry.orgId, entry.bucket, entry.table);
    let entries = this.byKey.get(key);
    if (!entries) this.byKey.set(key, (entries = new Map()));
    if (entries.has(entry.batchId)) return false;
    entries.set(entry.batchId, entry);
    this.totalRows += entry.batch.numRows;
    this.totalBatches++;
    return true;
  }

  has(orgId: string, bucket: string, table: string, batchId: string): boolean {
    return this.byKey.get(keyOf(orgId, bucket, table))?.has(batchId) ?? false;
  }

  entries(orgId: string, bucket: string, table: string): LiveEntry[] {
    return [...(this.byKey.get(keyOf(orgId, bucket, table))?.values() ?? [])];
  }

  /** Every non-empty group, for the flusher: a snapshot, so new writes may keep arriving. */
  groups(): LiveEntry[][] {
    return [...this.byKey.values()].filter((m) => m.size > 0).map((m) => [...m.values()]);
  }

  /** True when the batch was in this buffer and has since been persisted. */
  wasFlushed(batchId: string): boolean {
    return this.flushed.has(batchId);
  }

  /** Drop persisted entries (after their file is recorded in the manifest). */
  remove(entries: Iterable<LiveEntry>): void {
    for (const entry of entries) {
      this.flushed.add(entry.batchId);
      if (this.flushed.size > FLUSHED_MEMORY) this.flushed.delete(this.flushed.values().next().value!);
      const group = this.byKey.get(keyOf(entry.orgId, entry.bucket, entry.table));
      if (group?.delete(entry.batchId)) {
        this.totalRows -= entry.batch.numRows;
        this.totalBatches--;
      }
      if (group && group.size === 0) this.byKey.delete(keyOf(entry.orgId, entry.bucket, entry.table));
    }
  }

  get rows(): number {
    return this.totalRows;
  }

  get batches(): number {
    return this.totalBatches;
  }
}
