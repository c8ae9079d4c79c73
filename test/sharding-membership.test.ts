/**
 * Membership changes under ingest, with two acceptors that each cache their own copy of
 * the shard map: a 4th writer joins (it moves only the shard replicas it wins), then dies
 * (kill -9). Writes routed by a stale epoch are refused and re-routed, so no batch is stored
 * twice or lost: every acknowledged span is returned exactly once.
 */
import { afterAll, expect, test } from "bun:test";
import { bucketNames, compareIds, querySpanIds, startIngest } from "./helpers/cluster-ingest.ts";
import { TestCluster, type ShardMapView } from "./helpers/cluster-processes.ts";

let cluster: TestCluster | undefined;

afterAll(async () => {
  await cluster?.stop();
});

function moved(before: ShardMapView, after: ShardMapView): number {
  const old = new Map(before.shards.map((s) => [s.shard_id, new Set(s.replicas)]));
  return after.shards.reduce((n, s) => n + s.replicas.filter((name) => !old.get(s.shard_id)?.has(name)).length, 0);
}

test("a joining and dying 4th writer with two acceptors: bounded moves, every span once", async () => {
  cluster = await TestCluster.start({ writers: 3, replicationFactor: 2, nats: true });
  const second = await cluster.startAcceptor();
  const three = await cluster.waitForMap(["w1", "w2", "w3"]);
  const buckets = bucketNames(6);
  const ingestA = startIngest(cluster.acceptor!.addresses.http!, { buckets, concurrency: 2, spansPerRequest: 10 });
  const ingestB = startIngest(second.addresses.http!, { buckets, concurrency: 2, spansPerRequest: 10 });

  await Bun.sleep(1_000);
  await cluster.startWriter("w4");
  const four = await cluster.waitForMap(["w1", "w2", "w3", "w4"]);
  const movedOnJoin = moved(three, four);
  await Bun.sleep(1_500);
  await cluster.killWriter("w4");
  const back = await cluster.waitForMap(["w1", "w2", "w3"]);
  await Bun.sleep(1_000);
  const [a, b] = await Promise.all([ingestA.stop(), ingestB.stop()]);
  expect(cluster.crashed()).toEqual([]);

  console.log(
    `membership: moved on join ${movedOnJoin} replicas (bound ${Math.ceil((2 * 64) / 4)}), w4 held ${four.writers.w4?.shards.total} shards; ` +
      `acked ${a.ackedCount}+${b.ackedCount}, statuses ${JSON.stringify(Object.fromEntries(a.statuses))} ${JSON.stringify(Object.fromEntries(b.statuses))}`,
  );
  expect(movedOnJoin).toBeLessThanOrEqual(Math.ceil((2 * 64) / 4));
  expect(movedOnJoin).toBe(four.writers.w4!.shards.total);
  // The same three writers give the same map back: their shards return to them.
  expect(back.shards).toEqual(three.shards);

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
