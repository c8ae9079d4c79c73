/**
 * The shard map as data: which writers (by stable name) hold each shard at an epoch.
 * Pure functions, so every role computes and compares maps the same way.
 *
 * Replicas are writer NAMES (`writer.name`, the instance's `meta.name`), never the
 * per-process instance id: a restarted writer keeps its name and so gets its shards back.
 * How a map is computed from the previous one is rebalance.ts.
 */
import type { ShardAssignment, ShardMap } from "../catalog/model.ts";

export type { ShardAssignment, ShardMap };

export function sameAssignments(a: readonly ShardAssignment[], b: readonly ShardAssignment[]): boolean {
  if (a.length !== b.length) return false;
  const byId = new Map(b.map((s) => [s.shardId, s.replicas]));
  return a.every((s) => {
    const other = byId.get(s.shardId);
    return other !== undefined && other.length === s.replicas.length && other.every((name, i) => name === s.replicas[i]);
  });
}

/** Every writer named somewhere in the map, sorted. */
export function membersOf(shards: readonly ShardAssignment[]): string[] {
  return [...new Set(shards.flatMap((s) => s.replicas))].sort();
}

/** How many (shard, writer) replica placements `after` has that `before` had not: the copies a change costs. */
export function movedReplicas(before: readonly ShardAssignment[], after: readonly ShardAssignment[]): number {
  const old = new Map(before.map((s) => [s.shardId, new Set(s.replicas)]));
  let moved = 0;
  for (const shard of after) {
    const had = old.get(shard.shardId);
    moved += shard.replicas.filter((name) => !had?.has(name)).length;
  }
  return moved;
}

export interface WriterShardCount {
  primary: number;
  replica: number;
  total: number;
}

/** A map with lookups by shard; immutable once built. */
export class ShardMapIndex {
  readonly epoch: number;
  readonly shards: readonly ShardAssignment[];
  private readonly byShard: Map<number, string[]>;

  constructor(map: ShardMap) {
    this.epoch = map.epoch;
    this.shards = map.shards;
    this.byShard = new Map(map.shards.map((s) => [s.shardId, s.replicas]));
  }

  replicas(shardId: number): string[] {
    return this.byShard.get(shardId) ?? [];
  }

  primary(shardId: number): string | undefined {
    return this.replicas(shardId)[0];
  }

  isReplica(shardId: number, name: string): boolean {
    return this.replicas(shardId).includes(name);
  }

  /** Shards with fewer than `replicationFactor` replicas (fewer live writers than the factor). */
  underReplicated(replicationFactor: number): number {
    return this.shards.filter((s) => s.replicas.length < replicationFactor).length;
  }

  countsByWriter(): Record<string, WriterShardCount> {
    const counts: Record<string, WriterShardCount> = {};
    for (const shard of this.shards) {
      shard.replicas.forEach((name, rank) => {
        const c = (counts[name] ??= { primary: 0, replica: 0, total: 0 });
        if (rank === 0) c.primary++;
        else c.replica++;
        c.total++;
      });
    }
    return counts;
  }

  toJSON(): ShardMap {
    return { epoch: this.epoch, shards: [...this.shards] };
  }
}
