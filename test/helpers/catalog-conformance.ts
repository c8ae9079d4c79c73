/**
 * The one behavioural contract of CatalogRepository, run against every dialect. Each test
 * gets a fresh, empty, migrated catalog from `factory`.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { CatalogError, type CatalogRepository, type ShardAssignment } from "../../shared/catalog/index.ts";
import { dataFile, instance } from "./catalog-fixtures.ts";

export interface CatalogUnderTest {
  repo: CatalogRepository;
  /** Closes the repository and removes its database. */
  dispose(): Promise<void>;
}

async function expectCatalogError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CatalogError);
  expect((error as CatalogError).code).toBe(code as CatalogError["code"]);
}

export function describeCatalogConformance(name: string, factory: () => Promise<CatalogUnderTest>): void {
  describe(`catalog conformance: ${name}`, () => {
    let current: CatalogUnderTest;
    let repo: CatalogRepository;
    beforeEach(async () => {
      current = await factory();
      repo = current.repo;
    });
    afterEach(async () => {
      await current.dispose();
    });

    describe("service registry", () => {
      test("register then listLive returns the row exactly, ordered by id", async () => {
        const b = instance("b", { role: "querier", capabilities: ["query"], meta: { nested: { a: [1, "x", null] } } });
        const a = instance("a");
        await repo.register(b);
        await repo.register(a);
        expect(await repo.listLive(0)).toEqual([a, b]);
      });

      test("register replaces the row of an existing id", async () => {
        await repo.register(instance("a"));
        const moved = instance("a", { role: "router", address: "10.0.0.9:3000", capabilities: [], meta: {}, lastSeen: 1_800_000_000_000 });
        await repo.register(moved);
        expect(await repo.listLive(0)).toEqual([moved]);
      });

      test("heartbeat touches last_seen, and is false for a missing or deregistered row", async () => {
        await repo.register(instance("a", { lastSeen: 100 }));
        expect(await repo.heartbeat("a", 500)).toBe(true);
        expect((await repo.listLive(0))[0]!.lastSeen).toBe(500);
        expect(await repo.heartbeat("nobody", 500)).toBe(false);
        await repo.deregister("a");
        expect(await repo.heartbeat("a", 600)).toBe(false);
        expect(await repo.listLive(0)).toEqual([]);
      });

      test("deregister of a missing id is a no-op", async () => {
        await repo.register(instance("a"));
        await repo.deregister("nobody");
        expect((await repo.listLive(0)).map((i) => i.id)).toEqual(["a"]);
      });

      test("listLive filters by cutoff (inclusive) and by role", async () => {
        await repo.register(instance("w-old", { role: "writer", lastSeen: 100 }));
        await repo.register(instance("w-new", { role: "writer", lastSeen: 300 }));
        await repo.register(instance("q-edge", { role: "querier", lastSeen: 200 }));
        const ids = (list: { id: string }[]) => list.map((i) => i.id);
        expect(ids(await repo.listLive(200))).toEqual(["q-edge", "w-new"]);
        expect(ids(await repo.listLive(200, "writer"))).toEqual(["w-new"]);
        expect(ids(await repo.listLive(0, "writer"))).toEqual(["w-new", "w-old"]);
        expect(ids(await repo.listLive(0, "acceptor"))).toEqual([]);
        expect(ids(await repo.listLive(301))).toEqual([]);
      });

      test("reap deletes rows seen strictly before the cutoff and counts them", async () => {
        await repo.register(instance("a", { lastSeen: 100 }));
        await repo.register(instance("b", { lastSeen: 150 }));
        await repo.register(instance("c", { lastSeen: 200 }));
        expect(await repo.reap(200)).toBe(2);
        expect((await repo.listLive(0)).map((i) => i.id)).toEqual(["c"]);
        expect(await repo.reap(200)).toBe(0);
        expect(await repo.heartbeat("a", 300)).toBe(false);
      });

      test("epoch-ms times beyond 2^31 round-trip exactly", async () => {
        const row = instance("a", { startedAt: 4_102_444_800_000, lastSeen: 4_102_444_800_123 });
        await repo.register(row);
        expect(await repo.listLive(4_102_444_800_123)).toEqual([row]);
      });
    });

    describe("shard map", () => {
      const mapA: ShardAssignment[] = [
        { shardId: 0, replicas: ["w1", "w2"] },
        { shardId: 1, replicas: ["w2", "w1"] },
        { shardId: 2, replicas: [] },
      ];

      test("is null before the first map, then stored at epoch 1 with replica order kept", async () => {
        expect(await repo.shardMap()).toBeNull();
        expect(await repo.compareAndSetShardMap(0, mapA)).toBe(true);
        expect(await repo.shardMap()).toEqual({ epoch: 1, shards: mapA });
      });

      test("shards come back ordered by shard id", async () => {
        const unordered = [mapA[2]!, mapA[0]!, mapA[1]!];
        expect(await repo.compareAndSetShardMap(0, unordered)).toBe(true);
        expect((await repo.shardMap())!.shards).toEqual(mapA);
      });

      test("a stale or future epoch loses and leaves the map untouched", async () => {
        expect(await repo.compareAndSetShardMap(0, mapA)).toBe(true);
        expect(await repo.compareAndSetShardMap(0, [{ shardId: 9, replicas: ["x"] }])).toBe(false);
        expect(await repo.compareAndSetShardMap(5, [{ shardId: 9, replicas: ["x"] }])).toBe(false);
        expect(await repo.shardMap()).toEqual({ epoch: 1, shards: mapA });
      });

      test("a later epoch replaces the whole map, and an empty map is a map", async () => {
        expect(await repo.compareAndSetShardMap(0, mapA)).toBe(true);
        const mapB = [{ shardId: 1, replicas: ["w3"] }];
        expect(await repo.compareAndSetShardMap(1, mapB)).toBe(true);
        expect(await repo.shardMap()).toEqual({ epoch: 2, shards: mapB });
        expect(await repo.compareAndSetShardMap(2, [])).toBe(true);
        expect(await repo.shardMap()).toEqual({ epoch: 3, shards: [] });
      });

      test("of N concurrent callers exactly one wins, at every epoch", async () => {
        const n = 8;
        for (const expected of [0, 1, 2]) {
          const maps = Array.from({ length: n }, (_, i) => [{ shardId: i, replicas: [`w${i}`, `w${(i + 1) % n}`] }]);
          const results = await Promise.all(maps.map((m) => repo.compareAndSetShardMap(expected, m)));
          expect(results.filter(Boolean).length).toBe(1);
          const winner = results.indexOf(true);
          expect(await repo.shardMap()).toEqual({ epoch: expected + 1, shards: maps[winner]! });
        }
      });

      test("a 64-shard, RF 3 map round-trips", async () => {
        const big = Array.from({ length: 64 }, (_, s) => ({ shardId: s, replicas: [0, 1, 2].map((r) => `writer-${(s + r) % 5}`) }));
        expect(await repo.compareAndSetShardMap(0, big)).toBe(true);
        expect(await repo.shardMap()).toEqual({ epoch: 1, shards: big });
      });

      test("malformed maps are refused with invalid_argument", async () => {
        await expectCatalogError(repo.compareAndSetShardMap(0, [mapA[0]!, mapA[0]!]), "invalid_argument");
        await expectCatalogError(repo.compareAndSetShardMap(0, [{ shardId: 0, replicas: ["w", "w"] }]), "invalid_argument");
        await expectCatalogError(repo.compareAndSetShardMap(-1, []), "invalid_argument");
        expect(await repo.shardMap()).toBeNull();
      });
    });

    describe("data-file manifest", () => {
      const scope = { orgId: "org-a", bucket: "default", table: "traces" };

      test("addDataFile then listDataFiles round-trips every field, ns precision included", async () => {
        const file = dataFile("org-a/default/traces/date=2023-11-14/hour=22/1.parquet");
        await repo.addDataFile(file);
        expect(await repo.listDataFiles(scope)).toEqual([file]);
      });

      test("adding the same path again is a no-op, even with other batch ids", async () => {
        const file = dataFile("p1");
        await repo.addDataFile(file);
        await repo.addDataFile({ ...file, rows: 1, batchIds: ["other"] });
        expect(await repo.listDataFiles(scope)).toEqual([file]);
        expect(await repo.persistedBatches(["other", "p1#b1"])).toEqual(new Set(["p1#b1"]));
      });

      test("time range keeps overlapping files, bounds inclusive, compared as numbers", async () => {
        // Deliberately mixed digit counts: a textual comparison would order "9" after "10".
        await repo.addDataFile(dataFile("f-9-10", { minTime: "9", maxTime: "10" }));
        await repo.addDataFile(dataFile("f-10-20", { minTime: "10", maxTime: "20" }));
        await repo.addDataFile(dataFile("f-21-99", { minTime: "21", maxTime: "99" }));
        await repo.addDataFile(dataFile("f-100-1e18", { minTime: "100", maxTime: "1000000000000000000" }));
        const paths = async (fromNs?: string, toNs?: string) =>
          (await repo.listDataFiles({ ...scope, fromNs, toNs })).map((f) => f.path);
        expect(await paths()).toEqual(["f-9-10", "f-10-20", "f-21-99", "f-100-1e18"]);
        expect(await paths("10", "10")).toEqual(["f-9-10", "f-10-20"]);
        expect(await paths("20", "21")).toEqual(["f-10-20", "f-21-99"]);
        expect(await paths("11", undefined)).toEqual(["f-10-20", "f-21-99", "f-100-1e18"]);
        expect(await paths(undefined, "9")).toEqual(["f-9-10"]);
        expect(await paths("1000000000000000001")).toEqual([]);
        expect(await paths("0", "8")).toEqual([]);
      });

      test("org, bucket and table scope the listing; shardIds filters it", async () => {
        await repo.addDataFile(dataFile("s1", { shardId: 1 }));
        await repo.addDataFile(dataFile("s2", { shardId: 2 }));
        await repo.addDataFile(dataFile("s3", { shardId: 3 }));
        await repo.addDataFile(dataFile("other-org", { orgId: "org-b" }));
        await repo.addDataFile(dataFile("other-bucket", { bucket: "b2" }));
        await repo.addDataFile(dataFile("other-table", { table: "logs" }));
        const paths = async (shardIds?: number[]) => (await repo.listDataFiles({ ...scope, shardIds })).map((f) => f.path).sort();
        expect(await paths()).toEqual(["s1", "s2", "s3"]);
        expect(await paths([1, 3, 7])).toEqual(["s1", "s3"]);
        expect(await paths([])).toEqual([]);
        expect((await repo.listDataFiles({ orgId: "org-b", bucket: "default", table: "traces" })).map((f) => f.path)).toEqual(["other-org"]);
      });

      test("persistedBatches answers which ids some recorded file holds", async () => {
        await repo.addDataFile(dataFile("p1", { batchIds: ["a", "b"] }));
        await repo.addDataFile(dataFile("p2", { batchIds: ["c"] }));
        expect(await repo.persistedBatches([])).toEqual(new Set());
        expect(await repo.persistedBatches(["a", "c", "zz", "a"])).toEqual(new Set(["a", "c"]));
      });

      test("removeDataFile forgets the file and its batches, but not a batch another file holds", async () => {
        await repo.addDataFile(dataFile("p1", { batchIds: ["a", "shared"] }));
        await repo.addDataFile(dataFile("p2", { batchIds: ["shared"] }));
        await repo.removeDataFile("p1");
        await repo.removeDataFile("never-recorded");
        expect((await repo.listDataFiles(scope)).map((f) => f.path)).toEqual(["p2"]);
        expect(await repo.persistedBatches(["a", "shared"])).toEqual(new Set(["shared"]));
      });

      test("replaceDataFiles: the output in, the inputs retired, one generation change a reader sees as a removal", async () => {
        await repo.addDataFile(dataFile("in1", { batchIds: ["a", "b"], bytes: 10 }));
        await repo.addDataFile(dataFile("in2", { batchIds: ["b", "c"], bytes: 20 }));
        await repo.addDataFile(dataFile("keep", { batchIds: ["d"] }));
        const before = await repo.manifestSince(scope, 0);
        const out = dataFile("out", { batchIds: ["a", "b", "c"] });
        expect(await repo.replaceDataFiles({ remove: ["in1", "in2"], add: out, reason: "compacted", at: 5_000 })).toBe(true);
        expect((await repo.listDataFiles(scope)).map((f) => f.path).sort()).toEqual(["keep", "out"]);
        expect(await repo.persistedBatches(["a", "b", "c", "d"])).toEqual(new Set(["a", "b", "c", "d"]));
        const after = await repo.manifestSince(scope, before.generation);
        expect(after.complete).toBe(true);
        expect(after.generation).toBeGreaterThan(before.generation);
        const retired = await repo.retiredFiles(5_000);
        expect(retired.map((r) => [r.path, r.bytes, r.reason, r.retiredAt])).toEqual([
          ["in1", 10, "compacted", 5_000],
          ["in2", 20, "compacted", 5_000],
        ]);
        expect(await repo.retiredFiles(4_999)).toEqual([]);
        expect(await repo.untrackedPaths(["in1", "out", "keep", "stray"])).toEqual(new Set(["stray"]));
        await repo.forgetRetiredFiles(["in1"]);
        expect(await repo.untrackedPaths(["in1", "in2"])).toEqual(new Set(["in1"]));
        expect(await repo.listManifestScopes()).toEqual([scope]);
      });

      test("replaceDataFiles is void when an input is no longer recorded: nothing changes", async () => {
        await repo.addDataFile(dataFile("in1", { batchIds: ["a"] }));
        await repo.addDataFile(dataFile("in2", { batchIds: ["b"] }));
        expect(await repo.replaceDataFiles({ remove: ["in1"], add: null, reason: "expired", at: 1 })).toBe(true);
        const generation = (await repo.manifestSince(scope, 0)).generation;
        // A second compactor that planned with in1 loses: its output is not recorded, in2 stays.
        const late = await repo.replaceDataFiles({ remove: ["in1", "in2"], add: dataFile("out", { batchIds: ["a", "b"] }), reason: "compacted", at: 2 });
        expect(late).toBe(false);
        expect((await repo.listDataFiles(scope)).map((f) => f.path)).toEqual(["in2"]);
        expect(await repo.persistedBatches(["a", "b"])).toEqual(new Set(["b"]));
        expect((await repo.manifestSince(scope, 0)).generation).toBe(generation);
        expect((await repo.retiredFiles(10)).map((r) => r.path)).toEqual(["in1"]);
      });

      test("thousands of batch ids are stored and looked up", async () => {
        const ids = Array.from({ length: 2500 }, (_, i) => `batch-${i}`);
        await repo.addDataFile(dataFile("big", { batchIds: ids }));
        const asked = [...ids.slice(0, 1200), ...Array.from({ length: 1200 }, (_, i) => `missing-${i}`)];
        const found = await repo.persistedBatches(asked);
        expect(found.size).toBe(1200);
        expect(found.has("batch-1199")).toBe(true);
        expect((await repo.listDataFiles(scope))[0]!.batchIds).toEqual(ids);
      });

      test("manifestSince: everything at first, then only what was recorded since; a removal means everything again", async () => {
        const paths = (files: { path: string }[]) => files.map((f) => f.path);
        expect(await repo.manifestSince(scope, 0)).toEqual({ generation: 0, complete: true, files: [] });
        const first = dataFile("g1", { minTime: "20", maxTime: "30" });
        await repo.addDataFile(first);
        await repo.addDataFile(dataFile("other-table", { table: "logs" }));
        const one = await repo.manifestSince(scope, 0);
        expect(one).toEqual({ generation: 1, complete: true, files: [first] });
        // Nothing new: no files. The same path again raises nothing.
        await repo.addDataFile({ ...first, rows: 1 });
        expect(await repo.manifestSince(scope, one.generation)).toEqual({ generation: 1, complete: false, files: [] });
        await repo.addDataFile(dataFile("g2", { minTime: "10", maxTime: "15" }));
        await repo.addDataFile(dataFile("g3", { minTime: "40", maxTime: "50" }));
        const three = await repo.manifestSince(scope, one.generation);
        expect(three.generation).toBe(3);
        expect(three.complete).toBe(false);
        expect(paths(three.files)).toEqual(["g2", "g3"]);
        // Every scope counts on its own.
        expect((await repo.manifestSince({ ...scope, table: "logs" }, 0)).generation).toBe(1);
        await repo.removeDataFile("g2");
        const afterRemoval = await repo.manifestSince(scope, three.generation);
        expect(afterRemoval).toMatchObject({ generation: 4, complete: true });
        expect(paths(afterRemoval.files)).toEqual(["g1", "g3"]);
        expect(await repo.manifestSince(scope, afterRemoval.generation)).toEqual({ generation: 4, complete: false, files: [] });
        // A generation this catalog never reached (another catalog's): everything.
        expect(paths((await repo.manifestSince(scope, 99)).files)).toEqual(["g1", "g3"]);
      });

      test("manifestSince: a reader following concurrent recorders generation by generation misses none of their files", async () => {
        const files = Array.from({ length: 16 }, (_, i) => dataFile(`c${String(i).padStart(2, "0")}`));
        const seen = new Set<string>();
        let since = 0;
        const follow = async () => {
          const delta = await repo.manifestSince(scope, since);
          for (const file of delta.files) seen.add(file.path);
          since = delta.generation;
        };
        let recording = true;
        const reader = (async () => {
          while (recording) await follow();
        })();
        await Promise.all(files.map((f) => repo.addDataFile(f)));
        recording = false;
        await reader;
        await follow();
        expect(since).toBe(16);
        expect([...seen].sort()).toEqual(files.map((f) => f.path));
      });

      test("malformed ns times are refused with invalid_argument", async () => {
        await expectCatalogError(repo.addDataFile(dataFile("x", { minTime: "12.5" })), "invalid_argument");
        await expectCatalogError(repo.addDataFile(dataFile("x", { minTime: "30", maxTime: "20" })), "invalid_argument");
        await expectCatalogError(repo.addDataFile(dataFile("x", { maxTime: "99999999999999999999" })), "invalid_argument");
        await expectCatalogError(repo.listDataFiles({ ...scope, fromNs: "-1" }), "invalid_argument");
        expect(await repo.listDataFiles(scope)).toEqual([]);
      });
    });
  });
}
