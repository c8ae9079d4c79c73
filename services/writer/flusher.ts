/**
 * Moves acknowledged batches from the live buffer to Parquet: one file per
 * (org, bucket, table) per flush, recorded in the manifest, and only then dropped from the
 * live buffer and released from the WAL — so at every moment a row is in the WAL, the live
 * buffer or a recorded file (queries dedupe the overlap by batch id).
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CatalogRepository, DataFile } from "../../shared/catalog/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { parquetPath, type BlobStore } from "../../shared/storage/index.ts";
import type { LiveBuffer, LiveEntry } from "./live-buffer.ts";
import { footerMetadata, writeParquet } from "./parquet/index.ts";
import type { WriteAheadLog } from "./wal/index.ts";

export interface FlusherDeps {
  buffer: LiveBuffer;
  wal: WriteAheadLog;
  store: BlobStore;
  catalog: CatalogRepository;
  db: DuckDBConnection;
  /** Local folder for Parquet files being written (same filesystem as the store for a cheap move). */
  scratchDir: string;
  log: Logger;
  metrics: MetricsRegistry;
  intervalMs: number;
  maxBufferRows: number;
  /**
   * Live-buffer bytes (what its batches keep alive) that trigger a flush, so memory stays
   * bounded whatever the row size. Default DEFAULT_MAX_BUFFER_BYTES.
   */
  maxBufferBytes?: number;
  /** Only the primary of a shard flushes it; replicas keep their copies until it is persisted. */
  isPrimary: (shardId: number) => boolean;
}

/** 64 MiB of received batches per flush; DuckDB's flush of them peaks at several times that. */
export const DEFAULT_MAX_BUFFER_BYTES = 64 * 1024 * 1024;

export class Flusher {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Flushes run one at a time; a request during a flush waits for the next one. */
  private running: Promise<DataFile[]> = Promise.resolve([]);
  private fullFlushQueued = false;
  private readonly flushSeconds;
  private readonly flushedRows;
  private readonly flushedBytes;

  constructor(private readonly deps: FlusherDeps) {
    this.flushSeconds = deps.metrics.histogram("signalbox_writer_flush_seconds", "time to write one Parquet file and record it", ["table"]);
    this.flushedRows = deps.metrics.counter("signalbox_writer_flushed_rows_total", "rows written to Parquet", ["table"]);
    this.flushedBytes = deps.metrics.counter("signalbox_writer_flushed_bytes_total", "Parquet bytes written (file sizes)", ["table"]);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush("interval"), this.deps.intervalMs);
  }

  /** Called after each acknowledged write: flush early when the buffer is full (rows or bytes). */
  noteWrite(): void {
    const { buffer, maxBufferRows, maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES } = this.deps;
    if (this.fullFlushQueued || (buffer.rows < maxBufferRows && buffer.bytes < maxBufferBytes)) return;
    // One queued flush takes everything buffered when it starts: queuing one per write
    // while a flush runs would turn the writes that arrive meanwhile into tiny files.
    this.fullFlushQueued = true;
    void this.flush("buffer_full");
  }

  flush(reason: string): Promise<DataFile[]> {
    this.running = this.running.then(() => {
      if (reason === "buffer_full") this.fullFlushQueued = false;
      return this.flushAll(reason);
    }).catch((err) => {
      this.deps.log.error("flush.failed", { reason, err });
      return [];
    });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush("shutdown");
  }

  private async flushAll(reason: string): Promise<DataFile[]> {
    const files: DataFile[] = [];
    for (const group of this.deps.buffer.groups()) {
      if (!this.deps.isPrimary(group[0]!.shardId)) continue;
      const missing = await this.dropPersisted(group);
      if (missing.length > 0) files.push(await this.flushGroup(missing));
    }
    if (files.length > 0) {
      this.deps.log.info("flush.done", { reason, files: files.length, rows: files.reduce((n, f) => n + f.rows, 0) });
    }
    return files;
  }

  /**
   * A batch another writer already persisted (a failover: the old primary flushed it, or a
   * late retry reached us) is released instead of written again.
   */
  private async dropPersisted(group: LiveEntry[]): Promise<LiveEntry[]> {
    const persisted = await this.deps.catalog.persistedBatches(group.map((e) => e.batchId));
    if (persisted.size === 0) return group;
    this.deps.buffer.remove(group.filter((e) => persisted.has(e.batchId)));
    await this.deps.wal.release(persisted);
    this.deps.log.info("flush.skipped_persisted", { batches: persisted.size });
    return group.filter((e) => !persisted.has(e.batchId));
  }

  private async flushGroup(entries: LiveEntry[]): Promise<DataFile> {
    const started = performance.now();
    const first = entries[0]!;
    const batchIds = entries.map((e) => e.batchId);
    const scratch = join(this.deps.scratchDir, `${crypto.randomUUID()}.parquet`);
    const written = await writeParquet({
      db: this.deps.db,
      table: first.table,
      batches: entries.map((e) => e.stored),
      destPath: scratch,
      metadata: footerMetadata({ orgId: first.orgId, bucket: first.bucket, shardId: first.shardId, batchIds }),
    });
    const key = parquetPath({ orgId: first.orgId, bucket: first.bucket, table: first.table, minTimeNs: written.minTimeNs });
    // On failure (e.g. S3 down after the store's retries) the rows stay in the buffer and
    // the WAL and the next flush writes a new file: this one is only litter.
    await this.deps.store.putFile(key, scratch).catch(async (err) => {
      await rm(scratch, { force: true });
      throw err;
    });
    const file: DataFile = {
      path: key,
      orgId: first.orgId,
      bucket: first.bucket,
      table: first.table,
      shardId: first.shardId,
      minTime: written.minTimeNs.toString(),
      maxTime: written.maxTimeNs.toString(),
      rows: written.rows,
      bytes: written.bytes,
      batchIds,
      createdAt: Date.now(),
    };
    await this.deps.catalog.addDataFile(file);
    this.deps.buffer.remove(entries);
    await this.deps.wal.release(batchIds);
    this.flushSeconds.since(started, { table: first.table });
    this.flushedRows.inc({ table: first.table }, written.rows);
    this.flushedBytes.inc({ table: first.table }, written.bytes);
    return file;
  }
}
