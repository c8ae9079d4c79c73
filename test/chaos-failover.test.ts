/**
 * Zero-loss failover, as an operator would break it: 3 writers with replication factor 2,
 * continuous ingest through the acceptor with every acknowledged span id recorded; kill -9
 * one writer, kill another once the map settled, restart both — then every acknowledged
 * span is returned by the query API exactly once.
 */
import { afterAll, expect, test, setDefaultTimeout } from "bun:test";
import { bucketNames, compareIds, querySpanIds, startIngest } from "./helpers/cluster-ingest.ts";
import { TestCluster } from "./helpers/cluster-processes.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let cluster: TestCluster | undefined;

afterAll(async () => {
  await cluster?.stop();
});

test("kill -9 two of three writers (RF 2) under ingest: every acknowledged span exactly once", async () => {
  cluster = await TestCluster.start({ writers: 3, replicationFactor: 2, nats: true });
  const all = ["w1", "w2", "w3"];
  const settled = await cluster.waitForMap(all);
  expect(settled.shards.every((s) => s.replicas.length === 2)).toBe(true);
  const buckets = bucketNames(6);
  const ingest = startIngest(cluster.acceptor!.addresses.http!, { buckets, concurrency: 4, spansPerRequest: 10 });

  await Bun.sleep(1_500);
  await cluster.killWriter("w1");
  const afterFirst = await cluster.waitForMap(["w2", "w3"]);
  await Bun.sleep(1_000);
  await cluster.killWriter("w2");
  const afterSecond = await cluster.waitForMap(["w3"]);
  await Bun.sleep(1_000);
  await cluster.startWriter("w1");
  await cluster.startWriter("w2");
  const restored = await cluster.waitForMap(all);
  await Bun.sleep(1_000);
  const tally = await ingest.stop();
  expect(cluster.crashed()).toEqual([]);
  expect(afterSecond.epoch).toBeGreaterThan(afterFirst.epoch);
  expect(restored.epoch).toBeGreaterThan(afterSecond.epoch);

  // Copies settle and restarted writers' WAL batches reach their shards: poll until exact.
  let result = { missing: -1, duplicates: -1 };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    result = { missing: 0, duplicates: 0 };
    for (const bucket of buckets) {
      const returned = await querySpanIds(cluster.router!.addresses.http!, bucket).catch(async (err: Error) => {
        await Bun.sleep(1_000);
        throw new Error(`${err.message}; crashed roles: ${cluster!.crashed().join(" | ")}`);
      });
      const one = compareIds(tally.acked.get(bucket)!, returned);
      result.missing += one.missing;
      result.duplicates += one.duplicates;
    }
    if (result.missing === 0 && result.duplicates === 0) break;
    await Bun.sleep(250);
  }
  const statuses = Object.fromEntries(tally.statuses);
  console.log(
    `chaos: acked ${tally.ackedCount} spans, statuses ${JSON.stringify(statuses)}, client errors ${tally.errors}, epochs ${settled.epoch}→${afterFirst.epoch}→${afterSecond.epoch}→${restored.epoch}`,
  );
  expect(tally.ackedCount).toBeGreaterThan(100);
  expect(result).toEqual({ missing: 0, duplicates: 0 });
}, 150_000); // the check runs six SQL queries a round, each in a sandbox process of its own
