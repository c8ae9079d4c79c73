/**
 * The working state of one shard-map computation (rebalance.ts): every shard's replica list
 * plus the per-writer counts the balancing steps read, kept in step by the only three
 * mutations they use. Private to the sharding folder; nothing outside sees a Placement.
 */
import { rendezvousWeight } from "./rendezvous.ts";

/** Plain code-unit order: locale-independent, so every process breaks ties the same way. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lexicographic comparison of sort keys (numbers and names), for deterministic choices. */
export function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    return typeof x === "number" && typeof y === "number" ? x - y : byName(String(x), String(y));
  }
  return 0;
}

/**
 * Each shard's preference order over the live writers: position 0 is the most wanted.
 * The first `replicas` positions are the shard's "ideal" replicas, which the balancing steps
 * try to move toward.
 */
export class Preferences {
  private readonly position: Map<string, number>[];

  constructor(
    readonly order: readonly (readonly string[])[],
    readonly replicas: number,
  ) {
    this.position = order.map((names) => new Map(names.map((name, i) => [name, i])));
  }

  /** Pure rendezvous: every shard ranks the writers by weight (highest first). */
  static rendezvous(shardCount: number, names: readonly string[], replicas: number): Preferences {
    const order: string[][] = [];
    for (let shardId = 0; shardId < shardCount; shardId++) {
      const weighted = names.map((name) => ({ name, weight: rendezvousWeight(shardId, name) }));
      weighted.sort((a, b) => (a.weight === b.weight ? byName(a.name, b.name) : a.weight > b.weight ? -1 : 1));
      order.push(weighted.map((w) => w.name));
    }
    return new Preferences(order, replicas);
  }

  /** `first[shard]` leads each shard's order, then the rest in `fallback`'s order. */
  static led(first: readonly (readonly string[])[], fallback: Preferences): Preferences {
    const order = fallback.order.map((names, shardId) => {
      const lead = first[shardId] ?? [];
      return [...lead, ...names.filter((name) => !lead.includes(name))];
    });
    return new Preferences(order, fallback.replicas);
  }

  rank(shardId: number, name: string): number {
    return this.position[shardId]!.get(name) ?? Number.MAX_SAFE_INTEGER;
  }

  isIdeal(shardId: number, name: string): boolean {
    return this.rank(shardId, name) < this.replicas;
  }
}

export class Placement {
  readonly shards: string[][];
  readonly load = new Map<string, number>();
  readonly primaries = new Map<string, number>();
  private readonly before: Set<string>[];
  private readonly previousPrimary: (string | undefined)[];

  /** `start[shard]` must already hold distinct live names only; `previous` decides what is "fresh". */
  constructor(
    readonly names: readonly string[],
    start: readonly (readonly string[])[],
    previous: readonly (readonly string[])[],
  ) {
    for (const name of names) {
      this.load.set(name, 0);
      this.primaries.set(name, 0);
    }
    this.shards = start.map((replicas) => [...replicas]);
    this.before = previous.map((replicas) => new Set(replicas));
    this.previousPrimary = previous.map((replicas) => replicas[0]);
    this.shards.forEach((replicas) => replicas.forEach((name, rank) => this.count(name, rank, 1)));
  }

  /** Placed by this computation: the previous map did not have `name` on `shardId` (moving it is free). */
  isFresh(shardId: number, name: string): boolean {
    return !this.before[shardId]?.has(name);
  }

  /** The shard's primary already differs from the previous map's (changing it again costs nothing more). */
  primaryChanged(shardId: number): boolean {
    return this.shards[shardId]![0] !== this.previousPrimary[shardId];
  }

  loadOf(name: string): number {
    return this.load.get(name)!;
  }

  primariesOf(name: string): number {
    return this.primaries.get(name)!;
  }

  append(shardId: number, name: string): void {
    const replicas = this.shards[shardId]!;
    replicas.push(name);
    this.count(name, replicas.length - 1, 1);
  }

  /** `incoming` takes `outgoing`'s place (and rank) on the shard. */
  replace(shardId: number, outgoing: string, incoming: string): void {
    const replicas = this.shards[shardId]!;
    const rank = replicas.indexOf(outgoing);
    this.count(outgoing, rank, -1);
    replicas[rank] = incoming;
    this.count(incoming, rank, 1);
  }

  /** `name` (already a replica) becomes the shard's primary; the old primary takes its rank. */
  promote(shardId: number, name: string): void {
    const replicas = this.shards[shardId]!;
    const rank = replicas.indexOf(name);
    const old = replicas[0]!;
    this.count(old, 0, -1);
    this.count(name, rank, -1);
    replicas[0] = name;
    replicas[rank] = old;
    this.count(name, 0, 1);
    this.count(old, rank, 1);
  }

  private count(name: string, rank: number, delta: number): void {
    this.load.set(name, this.load.get(name)! + delta);
    if (rank === 0) this.primaries.set(name, this.primaries.get(name)! + delta);
  }
}
