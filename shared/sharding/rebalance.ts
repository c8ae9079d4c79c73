/**
 * The next shard map, computed from the PREVIOUS one plus the live writer names — so a
 * membership change costs a bounded number of replica copies whatever the names are. Pure
 * and deterministic in (previous map, live names, shard count, replication factor): every
 * writer computes the same map, and the catalog's compare-and-set stays the single arbiter.
 *
 * With S shards, N live writers and R = min(RF, N) replicas per shard, every result has
 * (a) R distinct live replicas on every shard and (b) replica loads within one of each other,
 * i.e. every writer holds ⌊R·S/N⌋ or ⌈R·S/N⌉ replicas. From a map with (a) and (b):
 * - a writer JOINS: replicas move only to it, at most ⌈R·S/N⌉ of them (it is lifted from 0
 *   by taking one replica at a time from a most-loaded writer until loads are within one);
 * - a writer LEAVES: its replicas go to the others; other replicas move only when no way of
 *   placing the orphaned ones keeps the loads within one (rare; counted by the tests).
 * Recomputing from a result with the same live names returns it unchanged (a fixed point),
 * so writers agree the stored map is current.
 *
 * Steps (placement.ts holds the working state):
 * 1. drop dead writers from each shard (order kept: the next replica becomes primary);
 *    trim to R (a lowered replication factor keeps the top ranks);
 * 2. fill each shard up to R, rank by rank, with the most preferred writer not on it whose
 *    load is below the cap ⌈R·S/N⌉ (any writer when all are at the cap; step 4 repairs);
 * 3. re-target replicas placed by step 2 (they cost nothing to move yet) so that loads come
 *    within one, along chains of such replicas when no single one can (augmenting paths);
 * 4. while the most and least loaded differ by two or more, the least loaded writer takes a
 *    shard from a most-loaded one, in place (its rank kept);
 * 5. balance primaries the same way by swapping ranks inside a shard (no replica moves):
 *    the primary flushes to Parquet, so primaries are the flush work.
 *
 * "Preferred" is a balanced rendezvous map of the live names computed from nothing (the
 * IDEAL): the fill, the shards a lifted writer takes and the replica it replaces all lean
 * toward it, then toward plain rendezvous weight. So maps drift toward the same layout
 * whatever the history, and a writer that restarts mostly gets its old shards back.
 */
import type { ShardAssignment } from "../catalog/model.ts";
import { byName, compareKeys, Placement, Preferences } from "./placement.ts";

/** The balanced map of `names` from nothing (also the IDEAL the next map leans toward). */
export function balancedAssignments(shardCount: number, names: readonly string[], replicationFactor: number): ShardAssignment[] {
  return toAssignments(guidance(shardCount, uniqueNames(names), replicationFactor).ideal);
}

/**
 * The map after `previous` when `live` are the writers (see the module comment for what it
 * guarantees). `previous` may be empty (first epoch: the balanced map), come from another
 * shard count or replication factor, or name writers that are gone.
 */
export function nextAssignments(
  previous: readonly ShardAssignment[],
  live: readonly string[],
  shardCount: number,
  replicationFactor: number,
): ShardAssignment[] {
  const names = uniqueNames(live);
  const { preferences } = guidance(shardCount, names, replicationFactor);
  const before = emptyLists(shardCount);
  for (const shard of previous) if (shard.shardId >= 0 && shard.shardId < shardCount) before[shard.shardId] = [...shard.replicas];
  const alive = new Set(names);
  const start = before.map((list) => [...new Set(list)].filter((name) => alive.has(name)).slice(0, preferences.replicas));
  return toAssignments(place(start, before, names, preferences));
}

interface Guidance {
  ideal: readonly (readonly string[])[];
  preferences: Preferences;
}

/**
 * The ideal map and the preferences it leads. It depends on the names only and every writer
 * recomputes the map on each poll, so the last few are kept (they are never mutated).
 */
const guidanceCache = new Map<string, Guidance>();
const GUIDANCE_CACHE_SIZE = 4;

function guidance(shardCount: number, names: readonly string[], replicationFactor: number): Guidance {
  const cacheKey = `${shardCount}\x00${replicationFactor}\x00${names.join("\x00")}`;
  const cached = guidanceCache.get(cacheKey);
  if (cached) return cached;
  const rendezvous = Preferences.rendezvous(shardCount, names, Math.min(replicationFactor, names.length));
  const ideal = place(emptyLists(shardCount), emptyLists(shardCount), names, rendezvous);
  const computed = { ideal, preferences: Preferences.led(ideal, rendezvous) };
  if (guidanceCache.size >= GUIDANCE_CACHE_SIZE) guidanceCache.delete(guidanceCache.keys().next().value!);
  guidanceCache.set(cacheKey, computed);
  return computed;
}

function place(start: string[][], before: string[][], names: readonly string[], preferences: Preferences): string[][] {
  const placement = new Placement(names, start, before);
  if (preferences.replicas === 0) return placement.shards;
  const cap = Math.ceil((preferences.replicas * start.length) / names.length);
  fill(placement, preferences, cap);
  retargetFresh(placement, preferences);
  liftLeastLoaded(placement, preferences);
  balancePrimaries(placement, preferences);
  return placement.shards;
}

function fill(placement: Placement, preferences: Preferences, cap: number): void {
  for (let rank = 0; rank < preferences.replicas; rank++) {
    placement.shards.forEach((held, shardId) => {
      if (held.length !== rank) return;
      const candidates = preferences.order[shardId]!.filter((name) => !held.includes(name));
      placement.append(shardId, candidates.find((name) => placement.loadOf(name) < cap) ?? candidates[0]!);
    });
  }
}

/**
 * Step 3: replicas placed by this computation move for free, so shift load along a chain of
 * them — L takes a fresh replica of a1 on a shard L lacks, a1 one of a2, … — until the last
 * writer of the chain is two or more above L (an augmenting path: it finds a free way
 * whenever one exists, where a single hop often does not).
 */
function retargetFresh(placement: Placement, preferences: Preferences): void {
  const byLoad = () => [...placement.names].sort((a, b) => placement.loadOf(a) - placement.loadOf(b) || byName(a, b));
  for (;;) {
    const most = Math.max(...placement.names.map((name) => placement.loadOf(name)));
    const chain = byLoad()
      .filter((to) => placement.loadOf(to) <= most - 2)
      .map((to) => freeChain(placement, preferences, to))
      .find((found) => found !== undefined);
    if (!chain) return;
    for (const hop of chain) placement.replace(hop.shardId, hop.from, hop.to);
  }
}

interface Hop {
  shardId: number;
  from: string;
  to: string;
}

function freeChain(placement: Placement, preferences: Preferences, start: string): Hop[] | undefined {
  const reachedBy = new Map<string, Hop | null>([[start, null]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const to = queue[i]!;
    // The best hop into each writer not reached yet, then those in preference order.
    const best = new Map<string, { key: (number | string)[]; hop: Hop }>();
    placement.shards.forEach((held, shardId) => {
      if (held.includes(to)) return;
      for (const from of held) {
        if (!placement.isFresh(shardId, from) || reachedBy.has(from)) continue;
        const key = moveKey(preferences, shardId, from, to);
        const seen = best.get(from);
        if (!seen || compareKeys(key, seen.key) < 0) best.set(from, { key, hop: { shardId, from, to } });
      }
    });
    for (const { hop } of [...best.values()].sort((a, b) => compareKeys(a.key, b.key))) {
      reachedBy.set(hop.from, hop);
      queue.push(hop.from);
    }
  }
  const goal = placement.loadOf(start) + 2;
  const end = queue
    .filter((name) => placement.loadOf(name) >= goal)
    .sort((a, b) => placement.loadOf(b) - placement.loadOf(a) || queue.indexOf(a) - queue.indexOf(b))[0];
  if (end === undefined) return undefined;
  const chain: Hop[] = [];
  for (let hop = reachedBy.get(end); hop; hop = reachedBy.get(hop.to)) chain.push(hop);
  return chain;
}

/** Step 4: the least loaded writer takes a replica from a most loaded one until loads are within one. */
function liftLeastLoaded(placement: Placement, preferences: Preferences): void {
  for (;;) {
    const byLoad = [...placement.names].sort((a, b) => placement.loadOf(a) - placement.loadOf(b) || byName(a, b));
    const to = byLoad[0]!;
    const most = placement.loadOf(byLoad[byLoad.length - 1]!);
    if (most - placement.loadOf(to) < 2) return;
    let best: { key: (number | string)[]; shardId: number; from: string } | undefined;
    placement.shards.forEach((held, shardId) => {
      if (held.includes(to)) return;
      for (const from of held) {
        if (placement.loadOf(from) !== most) continue;
        const key = [placement.isFresh(shardId, from) ? 0 : 1, ...moveKey(preferences, shardId, from, to)];
        if (!best || compareKeys(key, best.key) < 0) best = { key, shardId, from };
      }
    });
    // A writer holding more replicas than another holds some shard the other lacks.
    if (!best) throw new Error(`shard placement invariant broken: no shard to move from a writer with ${most} replicas to ${to}`);
    placement.replace(best.shardId, best.from, to);
  }
}

/** Which (shard, from → to) move is best among equals: toward the ideal, then by `to`'s weight. */
function moveKey(preferences: Preferences, shardId: number, from: string, to: string): (number | string)[] {
  return [
    preferences.isIdeal(shardId, to) ? 0 : 1,
    preferences.isIdeal(shardId, from) ? 1 : 0,
    preferences.rank(shardId, to),
    shardId,
    from,
    to,
  ];
}

/** Step 5: swap a shard's primary with one of its replicas while primaries differ by two or more. */
function balancePrimaries(placement: Placement, preferences: Preferences): void {
  for (;;) {
    let best: { key: (number | string)[]; shardId: number; to: string } | undefined;
    placement.shards.forEach((held, shardId) => {
      const from = held[0]!;
      for (const to of held.slice(1)) {
        if (placement.primariesOf(from) - placement.primariesOf(to) < 2) continue;
        // Rather where the primary changes anyway; rather not a replica placed just now (it has
        // none of the shard's recent batches yet).
        const key = [
          placement.primaryChanged(shardId) ? 0 : 1,
          -placement.primariesOf(from),
          placement.primariesOf(to),
          placement.isFresh(shardId, to) ? 1 : 0,
          preferences.rank(shardId, to),
          shardId,
          to,
        ];
        if (!best || compareKeys(key, best.key) < 0) best = { key, shardId, to };
      }
    });
    if (!best) return;
    placement.promote(best.shardId, best.to);
  }
}

function uniqueNames(names: readonly string[]): string[] {
  return [...new Set(names)].sort(byName);
}

function emptyLists(shardCount: number): string[][] {
  return Array.from({ length: shardCount }, () => []);
}

function toAssignments(lists: readonly (readonly string[])[]): ShardAssignment[] {
  return lists.map((replicas, shardId) => ({ shardId, replicas: [...replicas] }));
}
