import { expect, test } from "bun:test";
import { balancedAssignments, nextAssignments } from "./rebalance.ts";
import { membersOf, movedReplicas, sameAssignments, ShardMapIndex } from "./shard-map.ts";
import { writersByName } from "./writer-identity.ts";

const names = (n: number) => Array.from({ length: n }, (_, i) => `w${i + 1}`);

test("replicas are spread evenly: every writer is primary and second replica of a fair share", () => {
  const map = new ShardMapIndex({ epoch: 1, shards: balancedAssignments(64, names(3), 2) });
  const counts = map.countsByWriter();
  for (const name of names(3)) {
    expect(counts[name]!.primary).toBeGreaterThan(10);
    expect(counts[name]!.replica).toBeGreaterThan(10);
  }
  expect(map.underReplicated(2)).toBe(0);
});

test("a 4th writer moves at most ceil(RF x shards / writers) replicas, all to itself", () => {
  const before = balancedAssignments(64, names(3), 2);
  const after = nextAssignments(before, names(4), 64, 2);
  const moved = movedReplicas(before, after);
  expect(moved).toBeLessThanOrEqual(Math.ceil((2 * 64) / 4));
  expect(moved).toBe(new ShardMapIndex({ epoch: 2, shards: after }).countsByWriter().w4!.total);
});

test("losing a writer moves nothing but its replicas", () => {
  const before = nextAssignments(balancedAssignments(64, names(3), 2), names(4), 64, 2);
  const after = nextAssignments(before, ["w1", "w3", "w4"], 64, 2);
  for (let shard = 0; shard < 64; shard++) {
    const old = before[shard]!.replicas;
    const now = after[shard]!.replicas;
    if (!old.includes("w2")) expect([...now].sort()).toEqual([...old].sort());
    else expect(now).toContain(old.find((n) => n !== "w2")!);
  }
  expect(movedReplicas(before, after)).toBe(before.filter((s) => s.replicas.includes("w2")).length);
});

test("the balanced map depends on the set of names only, and compares by content", () => {
  expect(sameAssignments(balancedAssignments(8, ["b", "a", "c"], 2), balancedAssignments(8, ["c", "b", "a"], 2))).toBe(true);
  expect(sameAssignments(balancedAssignments(8, ["a", "b"], 2), balancedAssignments(8, ["a", "c"], 2))).toBe(false);
  expect(membersOf(balancedAssignments(8, ["b", "a"], 2))).toEqual(["a", "b"]);
  expect(balancedAssignments(4, [], 2).every((s) => s.replicas.length === 0)).toBe(true);
});

test("a restarted writer (same name, newer instance) speaks for its name", () => {
  const base = { role: "writer", address: "x", capabilities: [], lastSeen: 0 };
  const old = { ...base, id: "old", meta: { name: "w1" }, startedAt: 1 };
  const fresh = { ...base, id: "new", meta: { name: "w1" }, startedAt: 2 };
  const unnamed = { ...base, id: "u", meta: {}, startedAt: 1 };
  const byName = writersByName([fresh, old, unnamed]);
  expect(byName.get("w1")!.id).toBe("new");
  expect(byName.get("u")!.id).toBe("u");
});
