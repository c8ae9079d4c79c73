/**
 * Moves acknowledged batches from the live buffer to Parquet: one file per
 * (org, bucket, table) per flush, recorded in the manifest, and only then dropped from the
 * live buffer and released from the WAL — so at every moment a row is in the WAL, the live
 * buffer or a recorded file (queries dedupe the overlap by batch id).
 *
 * One group's trouble is its own: a batch no file can hold (a time past int64, which only a
 * Flight client bypassing the acceptor can send) is quarantined (quarantine.ts) before the
 * write; any other failure leaves the group buffered and retries it after a growing pause,
 * while every other group keeps flushing. A group that keeps failing is then flushed batch
 * by batch, and a batch that fails alone while its siblings flush is quarantined too — but
 * only for a failure of its own (its file cannot be written, or the catalog refuses it):
 * storage or a catalog link that fails while others succeed has just come back or is
 * failing again, and quarantining then would hide healthy acknowledged rows.
 *
 * An upload that failed may still have landed (the connection broke after the body went
 * out): its key is remembered and removed once storage answers again, so a recovered
 * outage leaves no second copy of the rows for a manifest rebuild or a bucket scan to find.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { CatalogError, type CatalogRepository, type DataFile } from "../../shared/catalog/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { storedTimeProblem } from "../../shared/tables/index.ts";
import { parquetPath, type BlobStore } from "../../shared/storage/index.ts";
import type { LiveBuffer, LiveEntry } from "./live-buffer.ts";
import { footerMetadata, writeParquet } from "./parquet/index.ts";
import type { Quarantine } from "./quarantine.ts";
import { UploadLitter } from "./upload-litter.ts";
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
  quarantine: Quarantine;
}

/** A group whose last flushes failed: not tried again before `until` (epoch ms). */
interface GroupBackoff {
  failures: number;
  until: number;
}

/** The longest pause between two tries of a failing group. */
export const MAX_FLUSH_BACKOFF_MS = 5 * 60_000;

/**
 * Failed tries of a group after which its batches are flushed one by one: a batch that
 * still fails while others of its group flush is the one at fault, and is quarantined.
 */
export const ISOLATE_AFTER_FAILURES = 3;

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
  private readonly groupFailures;
  private readonly backoff = new Map<string, GroupBackoff>();
  private readonly litter: UploadLitter;

  constructor(private readonly deps: FlusherDeps) {
    this.litter = new UploadLitter(deps.store, deps.log, deps.metrics);
    this.flushSeconds = deps.metrics.histogram("signalbox_writer_flush_seconds", "time to write one Parquet file and record it", ["table"]);
    this.flushedRows = deps.metrics.counter("signalbox_writer_flushed_rows_total", "rows written to Parquet", ["table"]);
    this.flushedBytes = deps.metrics.counter("signalbox_writer_flushed_bytes_total", "Parquet bytes written (file sizes)", ["table"]);
    this.groupFailures = deps.metrics.counter("signalbox_writer_flush_failures_total", "failed flushes of one (org, bucket, table) group", ["table"]);
    deps.metrics.gauge("signalbox_writer_flush_backoff_groups", "groups waiting to retry a failed flush", [], () => [[undefined, this.backoff.size]]);
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
    // An operator's flush (action) or a shutdown tries every group now; timed and
    // buffer-full flushes leave failing groups to their pause.
    const honourBackoff = reason === "interval" || reason === "buffer_full";
    const now = Date.now();
    for (const group of this.deps.buffer.groups()) {
      const first = group[0]!;
      if (!this.deps.isPrimary(first.shardId)) continue;
      const key = groupKey(first);
      const backoff = this.backoff.get(key);
      if (honourBackoff && backoff && now < backoff.until) continue;
      try {
        const missing = await this.dropPersisted(group);
        const storable = await this.quarantineUnstorable(missing);
        if (storable.length > 1 && (backoff?.failures ?? 0) >= ISOLATE_AFTER_FAILURES) {
          const oneByOne = await this.flushOneByOne(storable);
          files.push(...oneByOne.files);
          if (oneByOne.waiting) throw oneByOne.waiting;
        } else if (storable.length > 0) files.push(await this.flushGroup(storable));
        if (backoff) {
          this.backoff.delete(key);
          this.deps.log.info("flush.group_recovered", { org: first.orgId, bucket: first.bucket, table: first.table, failures: backoff.failures });
        }
      } catch (err) {
        const failures = (backoff?.failures ?? 0) + 1;
        const pauseMs = Math.min(this.deps.intervalMs * 2 ** (failures - 1), MAX_FLUSH_BACKOFF_MS);
        this.backoff.set(key, { failures, until: Date.now() + pauseMs });
        this.groupFailures.inc({ table: first.table });
        this.deps.log.error("flush.group_failed", {
          org: first.orgId, bucket: first.bucket, table: first.table, batches: group.length, failures, retry_in_ms: pauseMs, err,
        });
      }
    }
    // Storage took a file this round: it answers again, so the litter of failed uploads goes.
    if (files.length > 0) await this.litter.sweep();
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

  /** Sets aside the batches whose times no file can record. Returns the others. */
  private async quarantineUnstorable(entries: LiveEntry[]): Promise<LiveEntry[]> {
    const storable: LiveEntry[] = [];
    for (const entry of entries) {
      const problem = storedTimeProblem(entry.stored, entry.table);
      if (problem === undefined) storable.push(entry);
      else await this.setAside(entry, problem);
    }
    return storable;
  }

  /**
   * One file per batch, for a group whose flushes keep failing. If none flushes the trouble
   * is not a batch's (storage, catalog): the first error is thrown and the group waits again.
   * Otherwise the batches that failed alone for a reason of their own are quarantined; those
   * that met storage or the catalog failing stay buffered, and `waiting` says why.
   */
  private async flushOneByOne(entries: LiveEntry[]): Promise<{ files: DataFile[]; waiting?: unknown }> {
    const files: DataFile[] = [];
    const failed: Array<{ entry: LiveEntry; err: unknown }> = [];
    for (const entry of entries) {
      try {
        files.push(await this.flushGroup([entry]));
      } catch (err) {
        failed.push({ entry, err });
      }
    }
    if (files.length === 0) throw failed[0]!.err;
    // Storage or the catalog link failing for some batches and not others is the environment
    // flickering, not those batches: they wait for the group's next try.
    const environmental = failed.find(({ err }) => err instanceof EnvironmentFlushError);
    if (environmental) return { files, waiting: environmental.err };
    for (const { entry, err } of failed) {
      const message = err instanceof Error ? err.message : String(err);
      await this.setAside(entry, `its flush failed alone while ${files.length} other batches of its group flushed: ${message}`);
    }
    return { files };
  }

  /** Quarantined first (durable there), then dropped from the buffer and released from the WAL. */
  private async setAside(entry: LiveEntry, reason: string): Promise<void> {
    await this.deps.quarantine.add(entry, reason);
    this.deps.buffer.remove([entry]);
    await this.deps.wal.release([entry.batchId]);
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
      this.litter.add(key);
      throw new EnvironmentFlushError(`storing ${key}`, err);
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
    await this.deps.catalog.addDataFile(file).catch(async (err) => {
      // Refused outright (nothing recorded): the file would be an orphan. Any other failure
      // may have recorded it; then it stays, and a restart's manifest rebuild adopts it.
      if (err instanceof CatalogError && err.code === "invalid_argument") {
        await this.deps.store.remove(key);
        throw err;
      }
      throw new EnvironmentFlushError(`recording ${key} in the catalog`, err);
    });
    this.deps.buffer.remove(entries);
    await this.deps.wal.release(batchIds);
    this.flushSeconds.since(started, { table: first.table });
    this.flushedRows.inc({ table: first.table }, written.rows);
    this.flushedBytes.inc({ table: first.table }, written.bytes);
    return file;
  }
}

/** A flush that failed because storage or the catalog did, not because of its batches. */
export class EnvironmentFlushError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "EnvironmentFlushError";
  }
}

const groupKey = (e: LiveEntry) => `${e.orgId}\x00${e.bucket}\x00${e.table}`;
