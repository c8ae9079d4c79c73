/**
 * The writer's write-ahead log: a batch is acknowledged only once its bytes are fsynced.
 *
 * - Group commit: appends queue while an fsync runs; the next write+fdatasync covers every
 *   queued record, so N concurrent appends cost far fewer than N fsyncs.
 * - Segments (segment.ts) rotate at `segmentBytes`; a restart always opens a new segment
 *   after recovery (segment-recovery.ts) has cut any damaged tail, so replay survives `kill -9` at
 *   any moment and appends never land after garbage.
 * - release(batchIds) deletes the segments all of whose batches are persisted elsewhere
 *   (Parquet, or another writer's Parquet); an active segment left with nothing live is
 *   retired (a fresh one takes its place) and deleted too, so a flushed WAL does not wait for
 *   a segment to fill before it frees the disk.
 * - A failed write or fsync (a full disk) fails only the appends it carried, with a
 *   retryable WalUnavailableError: the segment is cut back to its durable length and
 *   retired, and the next append — or a probe every `probeMs` while nothing is appended —
 *   opens a fresh segment. No restart is needed once the disk takes writes again.
 */
import { readFile, unlink } from "node:fs/promises";
import type { Logger } from "../../../shared/log/index.ts";
import { ensureDirDurable, fsyncDir } from "../../../shared/storage/index.ts";
import { ActiveSegment } from "./active-segment.ts";
import { acquireDirLock } from "./dir-lock.ts";
import { WalClosedError, WalUnavailableError } from "./errors.ts";
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
  /** While appends fail, how often the log tries to open a fresh segment by itself. Default 1 s. */
  probeMs?: number;
}

/** Whether appends currently succeed; `reason` says why not (e.g. the disk is full). */
export interface WalHealth {
  appending: boolean;
  reason?: string;
  /** Epoch ms of the first failure of the current outage. */
  since?: number;
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
  /** The current outage (appends fail), or null. */
  private outage: { reason: string; since: number } | null = null;
  /** The active segment failed a write: open a fresh one before the next append. */
  private needsFreshSegment = false;
  /** The active segment holds nothing live: retire it at the next turn of the loop. */
  private retireActive = false;
  private probe: ReturnType<typeof setInterval> | undefined;
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
    private readonly probeMs: number,
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
      return new WriteAheadLog(dir, opts.log, segmentBytes, groupCommitMs, opts.onSync, segments, active, unlock, opts.probeMs ?? 1_000);
    } catch (err) {
      await unlock();
      throw err;
    }
  }

  /**
   * Resolves once `entry` is on stable storage; rejects if the log is closed, or with
   * WalUnavailableError (retryable) if it cannot be written now.
   */
  append(entry: WalEntry): Promise<void> {
    if (this.closed) return Promise.reject(new WalClosedError());
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

  /** These batches are persisted elsewhere: delete the segments left with none unreleased. */
  async release(batchIds: Iterable<string>): Promise<void> {
    const ids = [...batchIds];
    for (const state of this.segments.values()) for (const id of ids) state.unreleased.delete(id);
    if (!this.closed && this.activeHoldsOnlyReleased()) {
      // Retiring runs in the append loop, between groups, never under a write.
      this.retireActive = true;
      this.kick();
      await this.flushing;
    }
    return this.collectReleased();
  }

  stats(): WalStats {
    return { ...this.counters, segments: this.segments.size, activeSegment: this.active.seq };
  }

  health(): WalHealth {
    return this.outage ? { appending: false, ...this.outage } : { appending: true };
  }

  /** Waits for queued appends to become durable (or fail), then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopProbe();
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
      if (this.pending.length || this.retireActive) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    if (this.groupCommitMs > 0) await Bun.sleep(this.groupCommitMs);
    while (this.pending.length || this.retireActive) {
      if (this.needsFreshSegment && !(await this.openFreshSegment())) {
        const error = new WalUnavailableError(this.outage?.reason ?? "no segment to append to");
        for (const p of this.pending.splice(0)) p.reject(error);
        this.retireActive = false;
        continue;
      }
      if (this.retireActive) {
        this.retireActive = false;
        if (this.activeHoldsOnlyReleased()) await this.rotate().catch((err) => this.log.warn("wal.segment.retire_failed", { error: err }));
      }
      const group = this.pending;
      this.pending = [];
      if (!group.length) continue;
      try {
        await this.writeGroup(group);
        this.recovered();
      } catch (err) {
        this.failWrite(err);
        const error = new WalUnavailableError(describe(err), { cause: err });
        for (const p of group) p.reject(error); // rejecting a settled promise is a no-op
      }
    }
  }

  /** The active segment has records and none of them is live. */
  private activeHoldsOnlyReleased(): boolean {
    const state = this.segments.get(this.active.seq);
    return this.active.size > SEGMENT_MAGIC.length && state !== undefined && state.unreleased.size === 0;
  }

  private failWrite(err: unknown): void {
    this.needsFreshSegment = true;
    if (!this.outage) {
      this.outage = { reason: describe(err), since: Date.now() };
      this.log.error("wal.append.failed", { dir: this.dir, segment: this.active.path, error: err });
      this.startProbe();
    }
  }

  private recovered(): void {
    if (!this.outage) return;
    this.log.info("wal.append.recovered", { dir: this.dir, segment: this.active.path, down_ms: Date.now() - this.outage.since });
    this.outage = null;
    this.stopProbe();
  }

  /**
   * Cuts the failed segment back to what was fsynced, retires it and opens the next one.
   * False (and the outage stays) while the disk still refuses.
   */
  private async openFreshSegment(): Promise<boolean> {
    const failed = this.active;
    try {
      await failed.truncateToDurable().catch((err) => this.log.warn("wal.segment.truncate_failed", { segment: failed.path, error: err }));
      await failed.close().catch(() => undefined);
      const next = await ActiveSegment.create(this.dir, this.nextSeq());
      this.segments.set(next.seq, { seq: next.seq, path: next.path, unreleased: new Set() });
      this.active = next;
      this.needsFreshSegment = false;
      this.log.info("wal.segment.reopened", { failed: failed.path, active: next.path });
      this.recovered();
      await this.collectReleased().catch((err) => this.log.error("wal.segment.delete_failed", { error: err }));
      return true;
    } catch (err) {
      if (this.outage) this.outage.reason = describe(err);
      return false;
    }
  }

  /** Segment numbers only grow: a name a failed attempt used is never reused. */
  private nextSeq(): number {
    return Math.max(...this.segments.keys(), this.active.seq) + 1;
  }

  /** While nothing is appended, a fresh segment is still tried, so readiness recovers by itself. */
  private startProbe(): void {
    if (this.probe || this.closed) return;
    this.probe = setInterval(() => {
      if (this.flushing || this.closed) return;
      this.flushing = (async () => {
        if (this.needsFreshSegment) await this.openFreshSegment();
      })().finally(() => {
        this.flushing = null;
        if (this.pending.length || this.retireActive) this.kick();
      });
    }, this.probeMs);
    this.probe.unref?.();
  }

  private stopProbe(): void {
    clearInterval(this.probe);
    this.probe = undefined;
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
    const added = chunk.map((p) => p.batchId).filter((id) => !state.unreleased.has(id));
    for (const id of added) state.unreleased.add(id);
    const started = performance.now();
    try {
      await this.active.writeAndSync(chunk.flatMap((p) => p.record.parts), bytes);
    } catch (err) {
      // Not durable here (the segment is cut back to its durable length): nothing to release.
      for (const id of added) state.unreleased.delete(id);
      throw err;
    }
    const durationMs = performance.now() - started;
    this.counters.fsyncs++;
    this.counters.appends += chunk.length;
    this.counters.bytesWritten += bytes;
    for (const p of chunk) p.resolve();
    this.onSync?.({ durationMs, records: chunk.length, bytes });
  }

  private async rotate(): Promise<void> {
    const old = this.active;
    const next = await ActiveSegment.create(this.dir, this.nextSeq());
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

/** `ENOSPC: no space left on device` rather than a stack: what an operator reads on /ready. */
function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.message) return e.message.startsWith(e.code) ? e.message : `${e.code}: ${e.message}`;
  return err instanceof Error ? err.message : String(err);
}
