import { describe, expect, test } from "bun:test";
import type { ServiceInstance } from "../catalog/model.ts";
import { mergeViews, type Exclusion, type MergeInput, type NatsSighting } from "./merge.ts";

const NOW = 1_000_000;
const TTL = 600;
const STALE = 1_000;

function instance(id: string, lastSeen: number, role = "querier"): ServiceInstance {
  return { id, role, address: `10.0.0.1:${id.length}`, capabilities: ["query"], meta: {}, startedAt: 0, lastSeen };
}

function input(parts: {
  rows?: ServiceInstance[];
  catalog?: "ok" | "down";
  sightings?: Array<[string, NatsSighting]>;
  nats?: "ok" | "down" | "off";
  settled?: boolean;
  exclusions?: Array<[string, Exclusion]>;
}): MergeInput {
  return {
    now: NOW,
    ttlMs: TTL,
    staleAfterMs: STALE,
    catalog: { rows: parts.rows ?? [], health: parts.catalog ?? "ok" },
    nats: { sightings: new Map(parts.sightings ?? []), health: parts.nats ?? "ok", settled: parts.settled ?? true },
    exclusions: new Map(parts.exclusions ?? []),
  };
}

const ids = (m: MergeInput) => mergeViews(m).map((i) => i.id);

describe("mergeViews", () => {
  test("catalog rows within ttl are live; older ones are not", () => {
    expect(ids(input({ rows: [instance("a", NOW - 100), instance("b", NOW - TTL - 1)], nats: "off" }))).toEqual(["a"]);
  });

  test("while the catalog is down its last good view is served whatever its age", () => {
    expect(ids(input({ rows: [instance("a", NOW - 10 * TTL)], catalog: "down", nats: "off" }))).toEqual(["a"]);
  });

  test("NATS heard within stale_after is live even without a catalog row", () => {
    const live = mergeViews(input({ sightings: [["n", { instance: instance("n", NOW - 50), heardAt: NOW - 50 }]] }));
    expect(live.map((i) => [i.id, i.sources])).toEqual([["n", ["nats"]]]);
  });

  test("both sources are reported when both vouch", () => {
    const live = mergeViews(
      input({ rows: [instance("a", NOW - 100)], sightings: [["a", { instance: instance("a", NOW - 20), heardAt: NOW - 20 }]] }),
    );
    expect(live[0]!.sources).toEqual(["catalog", "nats"]);
    expect(live[0]!.lastSeen).toBe(NOW - 20);
  });

  test("settled NATS silence overrules a catalog row that is not newer (crash seen in stale_after)", () => {
    const rows = [instance("a", NOW - 300)];
    const sightings: Array<[string, NatsSighting]> = [["a", { instance: instance("a", NOW - 1_100), heardAt: NOW - 1_100 }]];
    // NATS's last word (NOW-1100) is older than the row (NOW-300): the catalog heartbeat is fresher evidence.
    expect(ids(input({ rows, sightings }))).toEqual(["a"]);
    const newer: Array<[string, NatsSighting]> = [["a", { instance: instance("a", NOW - 300), heardAt: NOW - 1_100 }]];
    expect(ids(input({ rows, sightings: newer }))).toEqual([]);
    // Not while NATS is down or has not been connected long enough to have heard everyone.
    expect(ids(input({ rows, sightings: newer, nats: "down" }))).toEqual(["a"]);
    expect(ids(input({ rows, sightings: newer, settled: false }))).toEqual(["a"]);
  });

  test("a KV entry alone is knowledge, not liveness", () => {
    const entry: NatsSighting = { instance: instance("k", NOW - 10), heardAt: NOW - 10, fromRegistry: true };
    expect(ids(input({ sightings: [["k", entry]] }))).toEqual([]);
    expect(ids(input({ rows: [instance("k", NOW - 10)], sightings: [["k", entry]] }))).toEqual([]);
    expect(ids(input({ rows: [instance("k", NOW - 5)], sightings: [["k", entry]] }))).toEqual(["k"]);
  });

  test("an exclusion holds until newer evidence arrives from either source", () => {
    const exclusion: Exclusion = { reason: "suspect", lastSeen: NOW - 100, heardAt: NOW - 200, at: NOW - 100 };
    const row = instance("s", NOW - 100);
    expect(ids(input({ rows: [row], exclusions: [["s", exclusion]], nats: "off" }))).toEqual([]);
    expect(ids(input({ rows: [instance("s", NOW - 50)], exclusions: [["s", exclusion]], nats: "off" }))).toEqual(["s"]);
    const fresh: NatsSighting = { instance: instance("s", NOW - 150), heardAt: NOW - 10 };
    expect(ids(input({ rows: [row], sightings: [["s", fresh]], exclusions: [["s", exclusion]] }))).toEqual(["s"]);
  });

  test("results are ordered by id", () => {
    expect(ids(input({ rows: ["c", "a", "b"].map((id) => instance(id, NOW)), nats: "off" }))).toEqual(["a", "b", "c"]);
  });
});
