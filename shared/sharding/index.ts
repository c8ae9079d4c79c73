/**
 * Sharding (DESIGN.md §6): which writers hold which data.
 *
 * - shard_id = FNV-1a 64(org \x00 bucket \x00 table) mod sharding.shard_count (hash.ts).
 * - Each shard's replicas: rendezvous hashing over the writers' stable NAMES (writer.name,
 *   the instance's meta.name), top sharding.replication_factor, rank 0 the primary
 *   (rendezvous.ts, shard-map.ts). A restarted writer keeps its name, so its shards.
 * - The map is materialised in the catalog with an epoch. Only writers change it
 *   (services/writer/shard-ownership.ts): map = rendezvous over (writers the stored map names
 *   that are still live) ∪ {itself}; when that differs from the stored map, compare-and-set
 *   on the epoch — one writer wins, the others re-read. So a writer adds only itself, and any
 *   writer removes a dead one.
 * - Propagation (no NATS push): writers re-read/correct the map on every writer up/down event
 *   of their resolver and every heartbeat interval; senders (acceptor, router) ask the writers
 *   for it (Flight DoAction `shard-map`) on writer up/down events, when their copy is older
 *   than 1 s, and whenever a write fails. A write carries its sender's epoch and a writer
 *   refuses (FAILED_PRECONDITION, naming its epoch) a batch for a shard it does not hold at
 *   exactly that epoch, so stale maps are corrected, never obeyed.
 */
export { fnv1a64, shardOf } from "./hash.ts";
export { fmix64, rankWriters, rendezvousWeight, replicasOf } from "./rendezvous.ts";
export { computeAssignments, sameAssignments, membersOf, movedReplicas, ShardMapIndex } from "./shard-map.ts";
export type { ShardAssignment, ShardMap, WriterShardCount } from "./shard-map.ts";
export { writerName, writersByName } from "./writer-identity.ts";
