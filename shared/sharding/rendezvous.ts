/**
 * Rendezvous (highest-random-weight) hashing: each shard ranks every writer by
 * hash(shard, writer) and takes the top `replicationFactor`; rank 0 is the primary.
 * A writer joining or leaving only moves the shards whose top set it enters or leaves.
 */
import { fnv1a64 } from "./hash.ts";

export function rankWriters(shardId: number, writerIds: readonly string[]): string[] {
  return writerIds
    .map((id) => ({ id, weight: fnv1a64(`${shardId}\x00${id}`) }))
    .sort((a, b) => (a.weight === b.weight ? a.id.localeCompare(b.id) : a.weight > b.weight ? -1 : 1))
    .map((entry) => entry.id);
}

export function replicasOf(shardId: number, writerIds: readonly string[], replicationFactor: number): string[] {
  return rankWriters(shardId, writerIds).slice(0, replicationFactor);
}
