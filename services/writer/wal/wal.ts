/**
 * The writer's write-ahead log: a batch is acknowledged only once its bytes are fsynced.
 *
 * - Group commit: appends queue while an fsync runs; the next write+fdatasync covers every
 *   queued record, so N concurrent appends cost far fewer than N fsyncs.
 * - Segments (segment.ts) rotate at `segmentBytes`; a restart always opens a new segment
 *   after recovery (segment-recovery.ts) has cut any damaged tail, so replay survives `kill -9` at
 *   any moment and appends never land after garbage.
 * - release(batchIds) deletes the non-active segments all of whose batches are persisted
 *   elsewhere (Parquet, or another writer's Parquet).
 */
import { readFile, unlink } from "node:fs/promises";
import type { Logger } from "../../../shared/log/index.ts";
import { ensureDirDurable, fsyncDir } from "../../../shared/storage/index.ts";
import { ActiveSegment } from "./active-segment.ts";
import { acquireDirLock } from "./dir-lock.ts";
import { WalClosedError, WalFailedError } from "./errors.ts";
import { decodeRecord, encodeRecordParts, type EncodedRecord, type WalEntry } from "./record.ts";
import { recoverSegments } from "./segment-recovery.ts";
import { scanSegment, SEGMENT_MAGIC } from "./segment.ts";

export interface WalOptions {
  log: Logger;
  /** Rotate the active segment past this size. Default 64 MiB. */
  segmentBytes?: number;
  /** Extra wait (0..2 ms) before an idle log starts a write, to gather more appends. Default 0. */
  groupCommitMs?: number;
  /** Called after every data fsync (metrics, benchmarks). */
  onSync?: (info: WalSyncInfo) => void;
}

export interface WalSyncInfo {
  /** write + fdatasync wall time. */
  durationMs: number;
  records: number;
  bytes: number;
}

export interface WalStats {
  appends: number;
  /** Data fsyncs (fdatasync after writing records); the group-commit ratio is appends / fsyncs. */
  fsyncs: number;
  bytesWritten: number;
  segments: number;
  activeSegment: number;
}

interface SegmentState {
  seq: number;
  path: string;
  /** Batch ids not yet released; the segment may go once this is empty and it is not active. */
  unreleased: Set<string>;
}

interface PendingAppend {
  record: EncodedRecord;
  batchId: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export class WriteAheadLog {
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private failed: WalFailedError | null = null;
  private closed = false;
  private cleanup: Promise<void> = Promise.resolve();
  private readonly counters = { appends: 0, fsyncs: 0, bytesWritten: 0 };

  private constructor(
    readonly dir: string,
    private readonly log: Logger,
    private readonly segmentBytes: number,
    private readonly groupCommitMs: number,
    private readonly onSync: WalOptions["onSync"],
    private readonly segments: Map<number, SegmentState>,
    private active: ActiveSegment,
    private readonly unlock: () => Promise<void>,
  ) {}

  static async open(dir: string, opts: WalOptions): Promise<WriteAheadLog> {
    const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const groupCommitMs = opts.groupCommitMs ?? 0;
    if (!(segmentBytes > 0)) throw new RangeError(`segmentBytes must be positive, got ${segmentBytes}`);
    if (!(groupCommitMs >= 0 && groupCommitMs <= 2)) throw new RangeError(`groupCommitMs must be 0..2, got ${groupCommitMs}`);
    await ensureDirDurable(dir);
    const unlock = await acquireDirLock(dir);
    try {
      const { segments: recovered, maxSeq } = await recoverSegments(dir, opts.log);
      const segments = new Map<number, SegmentState>();
      for (const r of recovered) segments.set(r.seq, { seq: r.seq, path: r.path, unreleased: new Set(r.batchIds) });
      const active = await ActiveSegment.create(dir, maxSeq + 1);
      segments.set(active.seq, { seq: active.seq, path: active.path, unreleased: new Set() });
      opts.log.info("wal.opened", {
        dir,
        recoveredSegments: recovered.length,
        recoveredRecords: recovered.reduce((n, r) => n + r.batchIds.length, 0),
        activeSegment: active.seq,
      });
      return new WriteAheadLog(dir, opts.log, segmentBytes, groupCommitMs, opts.onSync, segments, active, unlock);
    } catch (err) {
      await unlock();
      throw err;
    }
  }

  /** Resolves once `entry` is on stable storage; rejects if the log is closed or failed. */
  append(entry: WalEntry): Promise<void> {
    if (this.closed) return Promise.reject(new WalClosedError());
    if (this.failed) return Promise.reject(this.failed);
    let record: EncodedRecord;
    try {
      record = encodeRecordParts(entry);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, batchId: entry.batchId, resolve, reject });
      this.kick();
    });
  }

  /**
   * Every intact record, oldest first. For the active segment, the records durable when
   * replay reaches it. A record that has gone bad since open is logged and ends its segment.
   */
  async *replay(): AsyncIterable<WalEntry> {
    for (const seq of [...this.segments.keys()].sort((a, b) => a - b)) {
      const state = this.segments.get(seq);
      if (!state) continue; // released meanwhile
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(state.path));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      if (seq === this.active.seq) bytes = bytes.subarray(0, this.active.durableSize);
      const scan = scanSegment(bytes);
      if (scan.stop) this.log.error("wal.replay.corrupt", { segment: state.path, kind: scan.stop.kind, reason: scan.stop.reason });
      for (const rec of scan.records) {
        let entry: WalEntry;
        try {
          entry = decodeRecord(rec.payload);
        } catch (err) {
          this.log.error("wal.replay.undecodable", { segment: state.path, offset: rec.offset, error: err });
          break;
        }
        yield entry;
      }
    }
  }

  /** These batches are persisted elsewhere: delete the non-active segments left with none unreleased. */
  release(batchIds: Iterable<string>): Promise<void> {
    const ids = [...batchIds];
    for (const state of this.segments.values()) for (const id of ids) state.unreleased.delete(id);
    return this.collectReleased();
  }

  stats(): WalStats {
    return { ...this.counters, segments: this.segments.size, activeSegment: this.active.seq };
  }

  /** Waits for queued appends to become durable (or fail), then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.cleanup;
    await this.active.close();
    await this.unlock();
    this.log.info("wal.closed", { dir: this.dir, ...this.counters });
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      // Appends that arrived after the loop's last check but before this callback.
      if (this.pending.length) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    if (this.groupCommitMs > 0) await Bun.sleep(this.groupCommitMs);
    while (this.pending.length) {
      const group = this.pending;
      this.pending = [];
      if (this.failed) {
        for (const p of group) p.reject(this.failed);
        continue;
      }
      try {
        await this.writeGroup(group);
      } catch (err) {
        this.failed = new WalFailedError(err);
        this.log.error("wal.append.failed", { dir: this.dir, segment: this.active.path, error: err });
        for (const p of group) p.reject(this.failed); // rejecting a settled promise is a no-op
      }
    }
  }

  /** Writes a group in order, rotating segments as they fill; resolves each chunk after its fsync. */
  private async writeGroup(group: PendingAppend[]): Promise<void> {
    let chunk: PendingAppend[] = [];
    let chunkBytes = 0;
    for (const p of group) {
      if (chunk.length && this.active.size + chunkBytes + p.record.length > this.segmentBytes) {
        await this.syncChunk(chunk, chunkBytes);
        chunk = [];
        chunkBytes = 0;
      }
      // A segment always takes at least one record, however large.
      if (!chunk.length && this.active.size > SEGMENT_MAGIC.length && this.active.size + p.record.length > this.segmentBytes) {
        await this.rotate();
      }
      chunk.push(p);
      chunkBytes += p.record.length;
    }
    if (chunk.length) await this.syncChunk(chunk, chunkBytes);
  }

  private async syncChunk(chunk: PendingAppend[], bytes: number): Promise<void> {
    // Registered before the write: a release() racing with this fsync must still count.
    const state = this.segments.get(this.active.seq)!;
    for (const p of chunk) state.unreleased.add(p.batchId);
    const started = performance.now();
    await this.active.writeAndSync(chunk.flatMap((p) => p.record.parts), bytes);
    const durationMs = performance.now() - started;
    this.counters.fsyncs++;
    this.counters.appends += chunk.length;
    this.counters.bytesWritten += bytes;
    for (const p of chunk) p.resolve();
    this.onSync?.({ durationMs, records: chunk.length, bytes });
  }

  private async rotate(): Promise<void> {
    const old = this.active;
    const next = await ActiveSegment.create(this.dir, old.seq + 1);
    this.segments.set(next.seq, { seq: next.seq, path: next.path, unreleased: new Set() });
    this.active = next;
    await old.close();
    this.log.info("wal.segment.rotated", { closed: old.path, bytes: old.size, active: next.path });
    // A failed cleanup must not fail the appends that triggered the rotation; the next
    // release() retries it.
    await this.collectReleased().catch((err) => this.log.error("wal.segment.delete_failed", { error: err }));
  }

  /** Deletes released non-active segments, one cleanup at a time. */
  private collectReleased(): Promise<void> {
    const run = this.cleanup.then(async () => {
      const doomed = [...this.segments.values()].filter((s) => s.seq !== this.active.seq && s.unreleased.size === 0);
      if (!doomed.length) return;
      for (const s of doomed) {
        await unlink(s.path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "ENOENT") throw err;
        });
        this.segments.delete(s.seq);
        this.log.info("wal.segment.deleted", { segment: s.path });
      }
      await fsyncDir(this.dir);
    });
    // The chain goes on after a failure (reported to this call's caller).
    this.cleanup = run.catch(() => undefined);
    return run;
  }
}
