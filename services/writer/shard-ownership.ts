/**
 * The writer's side of the shard map. Writers are the only roles that change the map: the
 * next map is computed from the STORED one (shared/sharding nextAssignments) over the writers
 * it already names that are still live, plus this writer — so a writer adds only itself
 * ("start → register → get shards"), and any writer removes a writer it sees dead. Starting
 * from the stored map is what bounds a change: a joining writer takes at most
 * ⌈RF × shards / writers⌉ replicas, all moved to itself; a leaving one hands over only its
 * own. The computation is deterministic, so writers with the same view compute the same map,
 * and a change is a compare-and-set on the catalog's epoch: of several writers reacting to
 * the same event exactly one wins, the others recompute from the map it stored.
 *
 * The map is re-read (and corrected when needed) on every writer up/down event, every
 * `pollMs`, and on demand when a sender shows a newer epoch than ours.
 */
import type { CatalogRepository } from "../../shared/catalog/index.ts";
import type { Config } from "../../shared/config/index.ts";
import type { Resolver } from "../../shared/discovery/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { membersOf, movedReplicas, nextAssignments, sameAssignments, ShardMapIndex, writerName } from "../../shared/sharding/index.ts";
import { staleMapError } from "../../shared/writepath/index.ts";

const CAS_ATTEMPTS = 8;

export interface ShardOwnershipDeps {
  config: Config;
  catalog: CatalogRepository;
  log: Logger;
  metrics: MetricsRegistry;
  /** This writer's stable name (`writer.name`). */
  name: string;
  pollMs: number;
}

export class ShardOwnership {
  private map: ShardMapIndex | null = null;
  private resolver: Resolver | undefined;
  private reconciling: Promise<void> | null = null;
  private again = false;
  private reading: Promise<ShardMapIndex | null> | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(map: ShardMapIndex, previous: ShardMapIndex | null) => void>();
  private readonly reassignments;
  private readonly casWins;

  constructor(private readonly deps: ShardOwnershipDeps) {
    const rf = deps.config.sharding.replication_factor;
    deps.metrics.gauge("signalbox_shard_map_epoch", "epoch of the shard map this writer routes by", [], () => [[undefined, this.epoch]]);
    deps.metrics.gauge("signalbox_shards_under_replicated", "shards with fewer replicas than sharding.replication_factor in the map", [], () => [
      [undefined, this.map?.underReplicated(rf) ?? 0],
    ]);
    deps.metrics.gauge("signalbox_writer_shards", "shards this writer holds, by rank", ["rank"], () => {
      const own = this.map?.countsByWriter()[deps.name];
      return [
        [{ rank: "primary" }, own?.primary ?? 0],
        [{ rank: "replica" }, own?.replica ?? 0],
      ];
    });
    this.reassignments = deps.metrics.counter("signalbox_shard_reassignments_total", "shard replicas placed on a new writer by map changes this writer saw");
    this.casWins = deps.metrics.counter("signalbox_shard_map_changes_total", "shard maps this writer stored (won compare-and-set)");
  }

  get epoch(): number {
    return this.map?.epoch ?? 0;
  }

  get current(): ShardMapIndex | null {
    return this.map;
  }

  get name(): string {
    return this.deps.name;
  }

  isPrimary(shardId: number): boolean {
    return this.map?.primary(shardId) === this.deps.name;
  }

  isReplica(shardId: number): boolean {
    return this.map?.isReplica(shardId, this.deps.name) ?? false;
  }

  onChange(listener: (map: ShardMapIndex, previous: ShardMapIndex | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Join the map (after registering) and keep it current. */
  async start(resolver: Resolver): Promise<void> {
    this.resolver = resolver;
    await this.reconcile();
    this.unsubscribe = resolver.onChange((event) => {
      if (event.instance.role === "writer") void this.reconcile();
    });
    this.timer = setInterval(() => void this.reconcile(), this.deps.pollMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /**
   * Throws FAILED_PRECONDITION (naming our epoch) unless this writer is a replica of
   * `shardId` at exactly `senderEpoch`. A sender ahead of us makes us re-read the catalog first.
   */
  async checkWrite(shardId: number, senderEpoch: number): Promise<void> {
    if (senderEpoch > this.epoch) await this.read();
    if (senderEpoch !== this.epoch) {
      throw staleMapError(this.deps.name, this.epoch, `the write was routed by epoch ${senderEpoch}`);
    }
    if (!this.isReplica(shardId)) {
      throw staleMapError(this.deps.name, this.epoch, `not a replica of shard ${shardId}`);
    }
  }

  /** Re-read the stored map (concurrent callers share one read). */
  read(): Promise<ShardMapIndex | null> {
    this.reading ??= this.deps.catalog
      .shardMap()
      .then((stored) => {
        if (stored) this.adopt(new ShardMapIndex(stored));
        return this.map;
      })
      .finally(() => (this.reading = null));
    return this.reading;
  }

  /** Read the map and store a corrected one when it is wrong; runs one at a time, coalescing triggers. */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcileOnce();
        } catch (err) {
          this.deps.log.warn("shard_map.reconcile_failed", { err });
        }
      } while (this.again);
    })().finally(() => (this.reconciling = null));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const { shard_count: shardCount, replication_factor: rf } = this.deps.config.sharding;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      // The stored map first, then liveness: a writer named in the map registered before the
      // map was written, so the liveness read that follows cannot miss it.
      const stored = await this.deps.catalog.shardMap();
      const live = new Set((await this.resolver!.live({ role: "writer" })).map(writerName));
      live.add(this.deps.name);
      const members = membersOf(stored?.shards ?? []).filter((name) => live.has(name));
      const desired = nextAssignments(stored?.shards ?? [], [...members, this.deps.name], shardCount, rf);
      if (stored && sameAssignments(stored.shards, desired)) {
        this.adopt(new ShardMapIndex(stored));
        return;
      }
      const expected = stored?.epoch ?? 0;
      if (await this.deps.catalog.compareAndSetShardMap(expected, desired)) {
        this.casWins.inc();
        const gone = membersOf(stored?.shards ?? []).filter((name) => !live.has(name));
        this.deps.log.info("shard_map.stored", {
          epoch: expected + 1,
          writers: membersOf(desired),
          removed: gone,
          moved_replicas: movedReplicas(stored?.shards ?? [], desired),
        });
        this.adopt(new ShardMapIndex({ epoch: expected + 1, shards: desired }));
        return;
      }
      // Another writer changed it first: look again at what it stored.
    }
    await this.read();
  }

  private adopt(next: ShardMapIndex): void {
    const previous = this.map;
    if (previous && next.epoch <= previous.epoch) return;
    this.map = next;
    const moved = movedReplicas(previous?.shards ?? [], next.shards);
    if (previous) this.reassignments.inc(undefined, moved);
    const own = next.countsByWriter()[this.deps.name];
    this.deps.log.info("shard_map.adopted", {
      epoch: next.epoch,
      previous: previous?.epoch ?? 0,
      moved_replicas: moved,
      primary: own?.primary ?? 0,
      replica: own?.replica ?? 0,
    });
    for (const listener of this.listeners) {
      try {
        listener(next, previous);
      } catch (err) {
        this.deps.log.error("shard_map.listener_failed", { err });
      }
    }
  }
}
