import { expect, test } from "bun:test";
import { fnv1a64, shardOf } from "./hash.ts";
import { replicasOf } from "./rendezvous.ts";

test("FNV-1a 64 matches the published test vectors", () => {
  expect(fnv1a64("")).toBe(0xcbf29ce484222325n);
  expect(fnv1a64("a")).toBe(0xaf63dc4c8601ec8cn);
  expect(fnv1a64("foobar")).toBe(0x85944171f73967e8n);
});

test("shard ids are stable and in range", () => {
  const a = shardOf("acme", "default", "traces", 64);
  expect(a).toBe(shardOf("acme", "default", "traces", 64));
  expect(a).toBeGreaterThanOrEqual(0);
  expect(a).toBeLessThan(64);
  expect(shardOf("acme", "default", "logs", 64)).not.toBe(-1);
});

// Only to the new writer, but how many is its random share (the bound is rebalance.ts's job).
test("rendezvous moves only the shards a new writer wins", () => {
  const three = ["w1", "w2", "w3"];
  const four = [...three, "w4"];
  let moved = 0;
  for (let shard = 0; shard < 64; shard++) {
    const before = new Set(replicasOf(shard, three, 2));
    const after = replicasOf(shard, four, 2);
    moved += after.filter((id) => !before.has(id)).length;
    for (const id of after) if (!before.has(id)) expect(id).toBe("w4");
  }
  expect(moved).toBeGreaterThan(0);
});
