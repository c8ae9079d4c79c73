/**
 * Acknowledged batches not yet in Parquet, by (org, bucket, table). Queries read them
 * (read-your-writes); the flusher drains them. Batch ids make adds idempotent.
 *
 * Batches are kept as they arrived — usually the Flight wire form, whose repeated columns
 * are dictionaries (a third smaller), spans usually with their dedicated attribute columns —
 * and handed out in the table contract's plain form: `LiveEntry.batch` expands them on each
 * read (live queries are rarer than the writes they read). The flusher reads
 * `LiveEntry.stored` as it is (scanArrow reads dictionaries).
 */
import type { RecordBatch } from "apache-arrow";
import { retainedBytes } from "../../shared/flight/index.ts";
import { isDirectlyScannable } from "../../shared/duckdb/index.ts";
import { contractColumns, contractSchemaOf, toPlainBatch, withDedicatedColumns, type TableName } from "../../shared/tables/index.ts";
import type { WalEntry } from "./wal/index.ts";

/** What is added: a WAL entry without its IPC bytes, `batch` as received (wire form or plain). */
export type NewLiveEntry = Omit<WalEntry, "ipc">;

/** A buffered entry: `batch` in the table contract's schema (plain Utf8). */
export type LiveEntry = NewLiveEntry & {
  /** The batch as kept (usually the wire form): scanArrow reads it without expanding it. */
  readonly stored: RecordBatch;
  /** Spans: `batch` with the dedicated attribute columns (computed if it came without them); other tables: `batch`. */
  readonly dedicatedBatch: RecordBatch;
};

interface StoredEntry {
  batchId: string;
  orgId: string;
  bucket: string;
  table: TableName;
  shardId: number;
  /** As received (wire form or plain). */
  stored: RecordBatch;
  rows: number;
  bytes: number;
  /** The batch's distinct trace ids (spans only), computed when a trace by id first asks. */
  traceIds?: Set<string>;
}

const keyOf = (orgId: string, bucket: string, table: string) => `${orgId}\x00${bucket}\x00${table}`;

/** How many flushed batch ids are remembered, so a late retry of one is acked, not stored again. */
const FLUSHED_MEMORY = 100_000;

export class LiveBuffer {
  private readonly byKey = new Map<string, Map<string, StoredEntry>>();
  private readonly flushed = new Set<string>();
  private totalRows = 0;
  private totalBatches = 0;
  private totalBytes = 0;

  /** False when the batch is already buffered (a retried write). `entry.batch` may be in the wire form. */
  add(entry: NewLiveEntry): boolean {
    const key = keyOf(entry.orgId, entry.bucket, entry.table);
    let entries = this.byKey.get(key);
    if (!entries) this.byKey.set(key, (entries = new Map()));
    if (entries.has(entry.batchId)) return false;
    const { batchId, orgId, bucket, table, shardId } = entry;
    // Dictionaries from a foreign sender that scanArrow cannot read as they are: expand once.
    const batch = isDirectlyScannable(entry.batch) ? entry.batch : toPlainBatch(entry.batch, contractSchemaOf(entry.batch.schema, table));
    const stored: StoredEntry = { batchId, orgId, bucket, table, shardId, stored: batch, rows: batch.numRows, bytes: retainedBytes(batch) };
    entries.set(batchId, stored);
    this.totalRows += stored.rows;
    this.totalBytes += stored.bytes;
    this.totalBatches++;
    return true;
  }

  has(orgId: string, bucket: string, table: string, batchId: string): boolean {
    return this.byKey.get(keyOf(orgId, bucket, table))?.has(batchId) ?? false;
  }

  /** With `traceId`: only the entries holding that trace (a trace by id reads no more). */
  entries(orgId: string, bucket: string, table: string, traceId?: string): LiveEntry[] {
    const all = [...(this.byKey.get(keyOf(orgId, bucket, table))?.values() ?? [])];
    return (traceId === undefined ? all : all.filter((e) => holdsTrace(e, traceId))).map(liveEntry);
  }

  /** Every non-empty group, for the flusher: a snapshot, so new writes may keep arriving. */
  groups(): LiveEntry[][] {
    return [...this.byKey.values()].filter((m) => m.size > 0).map((m) => [...m.values()].map(liveEntry));
  }

  /** True when the batch was in this buffer and has since been persisted. */
  wasFlushed(batchId: string): boolean {
    return this.flushed.has(batchId);
  }

  /** Drop persisted entries (after their file is recorded in the manifest). */
  remove(entries: Iterable<Pick<LiveEntry, "batchId" | "orgId" | "bucket" | "table">>): void {
    for (const entry of entries) {
      this.flushed.add(entry.batchId);
      if (this.flushed.size > FLUSHED_MEMORY) this.flushed.delete(this.flushed.values().next().value!);
      const key = keyOf(entry.orgId, entry.bucket, entry.table);
      const group = this.byKey.get(key);
      const stored = group?.get(entry.batchId);
      if (group && stored) {
        group.delete(entry.batchId);
        this.totalRows -= stored.rows;
        this.totalBytes -= stored.bytes;
        this.totalBatches--;
      }
      if (group && group.size === 0) this.byKey.delete(key);
    }
  }

  get rows(): number {
    return this.totalRows;
  }

  get batches(): number {
    return this.totalBatches;
  }

  /** Bytes the buffered batches keep alive (every backing buffer counted once per batch). */
  get bytes(): number {
    return this.totalBytes;
  }
}

/** Rows without a trace_id column (logs, metrics) hold no trace. */
function holdsTrace(entry: StoredEntry, traceId: string): boolean {
  if (entry.traceIds === undefined) {
    const column = entry.stored.getChild("trace_id");
    const ids = new Set<string>();
    if (column) for (const id of column) if (typeof id === "string") ids.add(id);
    entry.traceIds = ids;
  }
  return entry.traceIds.has(traceId);
}

/** The contract view of a stored entry: `batch` expands the stored form on every read. */
function liveEntry(s: StoredEntry): LiveEntry {
  const plain = () => toPlainBatch(s.stored, contractSchemaOf(s.stored.schema, s.table));
  return {
    batchId: s.batchId,
    orgId: s.orgId,
    bucket: s.bucket,
    table: s.table,
    shardId: s.shardId,
    stored: s.stored,
    get batch() {
      return contractColumns(plain(), s.table);
    },
    get dedicatedBatch() {
      return s.table === "traces" ? withDedicatedColumns(plain()) : plain();
    },
  };
}
