/**
 * Moves acknowledged batches from the live buffer to Parquet: one file per
 * (org, bucket, table) per flush, recorded in the manifest, and only then dropped from the
 * live buffer and released from the WAL — so at every moment a row is in the WAL, the live
 * buffer or a recorded file (queries dedupe the overlap by batch id).
 */
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
}

export class Flusher {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Flushes run one at a time; a request during a flush waits for the next one. */
  private running: Promise<DataFile[]> = Promise.resolve([]);
  private readonly flushSeconds;
  private readonly flushedRows;

  constructor(private readonly deps: FlusherDeps) {
    this.flushSeconds = deps.metrics.histogram("signalbox_writer_flush_seconds", "time to write one Parquet file and record it");
    this.flushedRows = deps.metrics.counter("signalbox_writer_flushed_rows_total", "rows written to Parquet");
  }

  start(): void {
    this.timer = setInterval(() => void this.flush("interval"), this.deps.intervalMs);
  }

  /** Called after each acknowledged write: flush early when the buffer is full. */
  noteWrite(): void {
    if (this.deps.buffer.rows >= this.deps.maxBufferRows) void this.flush("buffer_full");
  }

  flush(reason: string): Promise<DataFile[]> {
    this.running = this.running.then(() => this.flushAll(reason)).catch((err) => {
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
    for (const group of this.deps.buffer.groups()) files.push(await this.flushGroup(group));
    if (files.length > 0) {
      this.deps.log.info("flush.done", { reason, files: files.length, rows: files.reduce((n, f) => n + f.rows, 0) });
    }
    return files;
  }

  private async flushGroup(entries: LiveEntry[]): Promise<DataFile> {
    const started = performance.now();
    const first = entries[0]!;
    const batchIds = entries.map((e) => e.batchId);
    const scratch = join(this.deps.scratchDir, `${crypto.randomUUID()}.parquet`);
    const written = await writeParquet({
      db: this.deps.db,
      table: first.table,
      batches: entries.map((e) => e.batch),
      destPath: scratch,
      metadata: footerMetadata({ orgId: first.orgId, bucket: first.bucket, shardId: first.shardId, batchIds }),
    });
    const key = parquetPath({ orgId: first.orgId, bucket: first.bucket, table: first.table, minTimeNs: written.minTimeNs });
    await this.deps.store.putFile(key, scratch);
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
    return file;
  }
}
