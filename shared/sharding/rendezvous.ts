/**
 * Rendezvous (highest-random-weight) hashing: each shard ranks every writer by
 * weight(shard, writer); the top `replicationFactor` would be its replicas, rank 0 the primary.
 * The shard map does not use that top set as is (a joining writer's share of it is a random
 * variable, above a fair share about half the time): rebalance.ts uses the ranking as the
 * preference among equally good choices of a balanced, history-aware placement.
 *
 * weight = fmix64(FNV-1a 64 of `writer \x00 shard`). FNV-1a alone is a poor weight: names
 * that differ in their last byte ("w1", "w2") get correlated high bits, so one writer was
 * always first or last and never second. MurmurHash3's 64-bit finaliser spreads every input
 * bit over the whole word. (How many replicas a joining writer wins is still a random
 * variable over the names: about Binomial(shards, RF / writers), mean RF × shards / writers.)
 */
import { fnv1a64 } from "./hash.ts";

const MASK_64 = 0xffffffffffffffffn;

export function fmix64(value: bigint): bigint {
  let k = value & MASK_64;
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & MASK_64;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK_64;
  k ^= k >> 33n;
  return k;
}

export function rendezvousWeight(shardId: number, writer: string): bigint {
  return fmix64(fnv1a64(`${writer}\x00${shardId}`));
}

export function rankWriters(shardId: number, writerIds: readonly string[]): string[] {
  return writerIds
    .map((id) => ({ id, weight: rendezvousWeight(shardId, id) }))
    .sort((a, b) => (a.weight === b.weight ? a.id.localeCompare(b.id) : a.weight > b.weight ? -1 : 1))
    .map((entry) => entry.id);
}

export function replicasOf(shardId: number, writerIds: readonly string[], replicationFactor: number): string[] {
  return rankWriters(shardId, writerIds).slice(0, replicationFactor);
}
