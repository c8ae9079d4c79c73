/**
 * Membership changes under ingest, with two acceptors that each cache their own copy of
 * the shard map: a 4th writer joins (it takes at most ⌈RF × shards / writers⌉ = 32 replicas,
 * all moved to itself), then dies (kill -9: only its replicas move). Writes routed by a stale
 * epoch are refused and re-routed, so no batch is stored twice or lost: every acknowledged
 * span is returned exactly once.
 *
 * The 4th writer is "w25": plain rendezvous over w1, w2, w3, w25 would have moved 42 replicas
 * on its join; the map computed from the previous one is bounded whatever the names.
 */
import { afterAll, expect, test, setDefaultTimeout } from "bun:test";
import { bucketNames, compareIds, querySpanIds, startIngest } from "./helpers/cluster-ingest.ts";
import { TestCluster, type ShardMapView } from "./helpers/cluster-processes.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let cluster: TestCluster | undefined;

afterAll(async () => {
  await cluster?.stop();
});

const JOINER = "w25";
const BOUND = Math.ceil((2 * 64) / 4);

function moved(before: ShardMapView, after: ShardMapView): number {
  const old = new Map(before.shards.map((s) => [s.shard_id, new Set(s.replicas)]));
  return after.shards.reduce((n, s) => n + s.replicas.filter((name) => !old.get(s.shard_id)?.has(name)).length, 0);
}

/** Shards whose replica set (ignoring rank) differs between two maps. */
function changedSets(a: ShardMapView, b: ShardMapView): number {
  const key = (replicas: string[]) => [...replicas].sort().join(",");
  const old = new Map(a.shards.map((s) => [s.shard_id, key(s.replicas)]));
  return b.shards.filter((s) => old.get(s.shard_id) !== key(s.replicas)).length;
}

function totals(map: ShardMapView, names: string[]): number[] {
  return names.map((name) => map.writers[name]?.shards.total ?? 0);
}

test("a joining and dying 4th writer with two acceptors: bounded moves, every span once", async () => {
  cluster = await TestCluster.start({ writers: 3, replicationFactor: 2, nats: true });
  const second = await cluster.startAcceptor();
  const three = await cluster.waitForMap(["w1", "w2", "w3"]);
  const buckets = bucketNames(6);
  const ingestA = startIngest(cluster.acceptor!.addresses.http!, { buckets, concurrency: 2, spansPerRequest: 10 });
  const ingestB = startIngest(second.addresses.http!, { buckets, concurrency: 2, spansPerRequest: 10 });

  await Bun.sleep(1_000);
  await cluster.startWriter(JOINER);
  const four = await cluster.waitForMap(["w1", "w2", "w3", JOINER]);
  const movedOnJoin = moved(three, four);
  await Bun.sleep(1_500);
  await cluster.killWriter(JOINER);
  const back = await cluster.waitForMap(["w1", "w2", "w3"]);
  const movedOnLeave = moved(four, back);
  await Bun.sleep(1_000);
  const [a, b] = await Promise.all([ingestA.stop(), ingestB.stop()]);
  expect(cluster.crashed()).toEqual([]);

  console.log(
    `membership: moved on join ${movedOnJoin} replicas (bound ${BOUND}), ${JOINER} held ${four.writers[JOINER]?.shards.total} shards; ` +
      `moved on leave ${movedOnLeave}, ${changedSets(three, back)} shards with other replicas than before the join; ` +
      `acked ${a.ackedCount}+${b.ackedCount}, statuses ${JSON.stringify(Object.fromEntries(a.statuses))} ${JSON.stringify(Object.fromEntries(b.statuses))}`,
  );
  expect(movedOnJoin).toBeLessThanOrEqual(BOUND);
  expect(movedOnJoin).toBe(four.writers[JOINER]!.shards.total);
  expect(Math.max(...totals(four, ["w1", "w2", "w3", JOINER]))).toBeLessThanOrEqual(BOUND);
  // Its death moves only its replicas, and the three writers share the load evenly again.
  expect(movedOnLeave).toBe(four.writers[JOINER]!.shards.total);
  const even = totals(back, ["w1", "w2", "w3"]);
  expect(Math.max(...even) - Math.min(...even)).toBeLessThanOrEqual(1);

  let result = { missing: -1, duplicates: -1 };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    result = { missing: 0, duplicates: 0 };
    for (const bucket of buckets) {
      const acked = [...a.acked.get(bucket)!, ...b.acked.get(bucket)!];
      const one = compareIds(acked, await querySpanIds(cluster.router!.addresses.http!, bucket));
      result.missing += one.missing;
      result.duplicates += one.duplicates;
    }
    if (result.missing === 0 && result.duplicates === 0) break;
    await Bun.sleep(250);
  }
  expect(a.ackedCount + b.ackedCount).toBeGreaterThan(100);
  expect(result).toEqual({ missing: 0, duplicates: 0 });
}, 90_000);
