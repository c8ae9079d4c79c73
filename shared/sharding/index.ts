/**
 * Sharding (docs/architecture.md §6): which writers hold which data.
 *
 * - shard_id = FNV-1a 64(org \x00 bucket \x00 table) mod sharding.shard_count (hash.ts).
 * - Each shard has sharding.replication_factor replicas named by the writers' stable NAMES
 *   (writer.name, the instance's meta.name), rank 0 the primary (shard-map.ts).
 * - The next map is computed from the PREVIOUS stored map and the live names (rebalance.ts):
 *   dead writers dropped, shards refilled, then loads evened out within one replica by moving
 *   as little as possible. So a joining writer moves at most ⌈RF × shards / writers⌉ replicas,
 *   all to itself, a leaving one only its own, and every writer holds a fair share. Where a
 *   choice is free it leans toward a balanced rendezvous map of the live names (rendezvous.ts,
 *   weights over names), so a writer that restarts with its name mostly gets its shards back.
 * - The map is materialised in the catalog with an epoch. Only writers change it
 *   (services/writer/shard-ownership.ts): map = nextAssignments(stored, (writers the stored
 *   map names that are still live) ∪ {itself}); when that differs from the stored map,
 *   compare-and-set on the epoch — one writer wins, the others re-read. So a writer adds only
 *   itself, and any writer removes a dead one. The result is a fixed point (recomputing it
 *   with the same names changes nothing), so writers agree when the stored map is current.
 * - Propagation (no NATS push): writers re-read/correct the map on every writer up/down event
 *   of their resolver and every heartbeat interval; senders (acceptor, router) ask the writers
 *   for it (Flight DoAction `shard-map`) on writer up/down events, when their copy is older
 *   than 1 s, and whenever a write fails. A write carries its sender's epoch and a writer
 *   refuses (FAILED_PRECONDITION, its epoch as the fact signalbox-writer-epoch) a batch for a shard it does not hold at
 *   exactly that epoch, so stale maps are corrected, never obeyed.
 */
export { fnv1a64, shardOf } from "./hash.ts";
export { fmix64, rankWriters, rendezvousWeight, replicasOf } from "./rendezvous.ts";
export { balancedAssignments, nextAssignments } from "./rebalance.ts";
export { sameAssignments, membersOf, movedReplicas, ShardMapIndex } from "./shard-map.ts";
export type { ShardAssignment, ShardMap, WriterShardCount } from "./shard-map.ts";
export { writerName, writersByName } from "./writer-identity.ts";
