/**
 * What keeps every unpersisted batch on the replicas the current map names, and lets
 * non-primary copies go once the primary persisted them. One loop, every `intervalMs`:
 *
 * - release: for the shards this writer is not primary of, ask the manifest which buffered
 *   batches are persisted; drop those from the live buffer and the WAL;
 * - re-replicate: every other buffered batch is copied (Flight DoPut, idempotent by batch
 *   id) to each current replica of its shard not yet known to hold it — a new replica after
 *   a failover, a writer that joined, or the primary when a batch waited too long
 *   (`stuckAfterMs`: e.g. it reached a quorum without the writer that later became primary).
 *
 * Known holders of a batch start as the replicas its sender wrote to (write descriptor),
 * and are forgotten when the batch waits past `stuckAfterMs`, so a copy missing for any
 * reason is repaired in bounded time.
 */
import type { CatalogRepository } from "../../shared/catalog/index.ts";
import type { LiveInstance } from "../../shared/discovery/index.ts";
import { FlightError, type FlightClientPool } from "../../shared/flight/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import type { WriteDescriptor } from "../../shared/writepath/index.ts";
import type { LiveBuffer, LiveEntry } from "./live-buffer.ts";
import type { ShardOwnership } from "./shard-ownership.ts";
import type { WriteAheadLog } from "./wal/index.ts";

export interface ReplicaSyncDeps {
  buffer: LiveBuffer;
  wal: WriteAheadLog;
  catalog: CatalogRepository;
  ownership: ShardOwnership;
  /** Live writers by name (set once discovery runs). */
  writers: () => Promise<Map<string, LiveInstance>>;
  suspect: (writer: LiveInstance) => void;
  pool: FlightClientPool;
  log: Logger;
  metrics: MetricsRegistry;
  intervalMs: number;
  stuckAfterMs: number;
  copyTimeoutMs: number;
}

const COPY_PARALLELISM = 8;

interface Holders {
  since: number;
  names: Set<string>;
}

export class ReplicaSync {
  private readonly holders = new Map<string, Holders>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private pending = 0;
  private roundEpoch = 0;
  private readonly copies;
  private readonly released;

  constructor(private readonly deps: ReplicaSyncDeps) {
    deps.metrics.gauge("signalbox_writer_replication_pending", "batch copies this writer still owes to replicas of the current map", [], () => [
      [undefined, this.pending],
    ]);
    this.copies = deps.metrics.counter("signalbox_writer_replica_copies_total", "batches copied to another writer, by result", ["result"]);
    this.released = deps.metrics.counter("signalbox_writer_replica_released_total", "replica batches released after the primary persisted them");
  }

  /** A batch arrived: `replicas` (from its sender) already hold it, and so does this writer. */
  noteReceived(batchId: string, replicas: readonly string[] | undefined): void {
    const names = new Set(replicas ?? []);
    names.add(this.deps.ownership.name);
    this.holders.set(batchId, { since: Date.now(), names });
  }

  /** Copies still owed as of the last round (0 = every batch is on all its replicas). */
  get pendingCopies(): number {
    return this.pending;
  }

  /** The map epoch the last completed round worked against. */
  get syncedEpoch(): number {
    return this.roundEpoch;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.runOnce().finally(tick);
      }, this.deps.intervalMs);
      this.timer.unref?.();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round (rounds never overlap). */
  runOnce(): Promise<void> {
    this.running = this.running.then(() => this.round()).catch((err) => this.deps.log.warn("replica_sync.failed", { err }));
    return this.running;
  }

  private async round(): Promise<void> {
    const map = this.deps.ownership.current;
    if (!map) return;
    const groups = this.deps.buffer.groups();
    await this.release(groups.filter((g) => !this.deps.ownership.isPrimary(g[0]!.shardId)));
    this.forgetGone();
    await this.replicate(this.deps.buffer.groups());
    this.roundEpoch = map.epoch;
  }

  private async release(groups: LiveEntry[][]): Promise<void> {
    const entries = groups.flat();
    if (entries.length === 0) return;
    const persisted = await this.deps.catalog.persistedBatches(entries.map((e) => e.batchId));
    if (persisted.size === 0) return;
    const done = entries.filter((e) => persisted.has(e.batchId));
    this.deps.buffer.remove(done);
    await this.deps.wal.release(persisted);
    for (const id of persisted) this.holders.delete(id);
    this.released.inc(undefined, done.length);
  }

  private forgetGone(): void {
    if (this.holders.size <= this.deps.buffer.batches) return;
    const present = new Set(this.deps.buffer.groups().flat().map((e) => e.batchId));
    for (const id of this.holders.keys()) if (!present.has(id)) this.holders.delete(id);
  }

  private async replicate(groups: LiveEntry[][]): Promise<void> {
    const map = this.deps.ownership.current!;
    const now = Date.now();
    const owed = new Map<string, LiveEntry[]>();
    for (const entry of groups.flat()) {
      let holders = this.holders.get(entry.batchId);
      if (!holders || now - holders.since > this.deps.stuckAfterMs) {
        // Unknown (replayed from the WAL) or waiting too long: assume nobody else has it.
        holders = { since: now, names: new Set([this.deps.ownership.name]) };
        this.holders.set(entry.batchId, holders);
      }
      for (const name of map.replicas(entry.shardId)) {
        if (holders.names.has(name)) continue;
        let list = owed.get(name);
        if (!list) owed.set(name, (list = []));
        list.push(entry);
      }
    }
    this.pending = [...owed.values()].reduce((n, list) => n + list.length, 0);
    if (owed.size === 0) return;
    const writers = await this.deps.writers();
    await Promise.all([...owed].map(([name, entries]) => this.copyTo(name, writers.get(name), entries, map.epoch)));
    let stillOwed = 0;
    for (const [name, entries] of owed) stillOwed += entries.filter((e) => !this.holders.get(e.batchId)?.names.has(name)).length;
    this.pending = stillOwed;
  }

  /** Copies up to COPY_PARALLELISM batches at once (the target's WAL commits them as a group). */
  private async copyTo(name: string, writer: LiveInstance | undefined, entries: LiveEntry[], epoch: number): Promise<void> {
    if (!writer) return; // not live: the next map will name someone else
    const client = this.deps.pool.get(writer.address);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < entries.length) {
        const entry = entries[next++]!;
        const holders = this.holders.get(entry.batchId);
        const descriptor: WriteDescriptor = {
          kind: "write",
          org_id: entry.orgId,
          bucket: entry.bucket,
          table: entry.table,
          batch_id: entry.batchId,
          shard_id: entry.shardId,
          epoch,
          replicas: [...(holders?.names ?? []), name],
        };
        try {
          // As received (the wire form, dedicated columns included): smaller than the plain form.
          await client.put(descriptor, [entry.stored], { deadlineMs: this.deps.copyTimeoutMs });
          holders?.names.add(name);
          this.copies.inc({ result: "ok" });
        } catch (err) {
          failed = true; // the rest waits for the next round
          const error = FlightError.from(err);
          this.copies.inc({ result: error.codeName.toLowerCase() });
          if (error.isUnavailable) {
            this.deps.suspect(writer);
            this.deps.pool.drop(writer.address);
          } else if (error.codeName === "FAILED_PRECONDITION") {
            void this.deps.ownership.read();
          }
          this.deps.log.debug("replica_sync.copy_failed", { to: name, batch_id: entry.batchId, err: error.message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_PARALLELISM, entries.length) }, worker));
  }
}
