import { describe, expect, test } from "bun:test";
import { loadConfig } from "../config/index.ts";
import { decodeInstance, encodeInstance, buildInstance } from "./instance.ts";
import { assertCanDiscoverPeers } from "./peers.ts";
import { matchesSelector } from "./selector.ts";
import { parseAnnouncementSubject, parseRegistryKey, registryKey } from "./subjects.ts";
import { formatAge, formatTopologyTable, topologyRows } from "./topology-report.ts";
import { serverFeatures } from "./nats-connection.ts";
import { DiscoveryError } from "./errors.ts";

const config = (env: Record<string, string>) => loadConfig({ argv: [], env });

describe("assertCanDiscoverPeers", () => {
  test("a lone role with the in-memory catalog and no NATS is refused; the monolith is not", async () => {
    const blind = await config({});
    expect(assertCanDiscoverPeers(blind, { monolith: false })).toContain("could never see the other roles");
    expect(assertCanDiscoverPeers(blind, { monolith: true })).toBeUndefined();
  });

  test("a shared catalog or NATS is enough", async () => {
    expect(assertCanDiscoverPeers(await config({ SIGNALBOX_DISCOVERY_CATALOG_DSN: "sqlite:/tmp/x.db" }), { monolith: false })).toBeUndefined();
    expect(
      assertCanDiscoverPeers(await config({ SIGNALBOX_DISCOVERY_NATS_URL: "nats://127.0.0.1:4222" }), { monolith: false }),
    ).toBeUndefined();
  });
});

describe("instance documents", () => {
  test("build carries version, pid, hostname and listeners; the wire form round-trips", () => {
    const built = buildInstance({ role: "writer", address: "127.0.0.1:5", capabilities: ["storage"], meta: { flight: "127.0.0.1:5" } });
    expect(built.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(built.meta).toMatchObject({ pid: process.pid, listeners: { main: "127.0.0.1:5" }, flight: "127.0.0.1:5" });
    expect(typeof built.meta.version).toBe("string");
    expect(decodeInstance(encodeInstance(built))).toEqual(built);
  });

  test("a malformed payload is a typed error", () => {
    expect(() => decodeInstance("{nope")).toThrow(DiscoveryError);
    expect(() => decodeInstance(JSON.stringify({ id: "x" }))).toThrow(DiscoveryError);
  });
});

describe("names and selectors", () => {
  test("subjects and KV keys", () => {
    expect(parseAnnouncementSubject("services.writer.heartbeat")).toEqual({ role: "writer", kind: "heartbeat" });
    expect(parseAnnouncementSubject("services.writer.other")).toBeUndefined();
    expect(parseRegistryKey(registryKey("querier", "1234-ab"))).toEqual({ role: "querier", id: "1234-ab" });
  });

  test("a string selector matches a role or a capability", () => {
    const writer = buildInstance({ role: "writer", address: "a:1", capabilities: ["storage", "live-query"] });
    expect(matchesSelector(writer, "writer")).toBe(true);
    expect(matchesSelector(writer, "live-query")).toBe(true);
    expect(matchesSelector(writer, { role: "writer", capability: "query" })).toBe(false);
    expect(matchesSelector(writer, undefined)).toBe(true);
  });

  test("server features follow the version", () => {
    expect(serverFeatures("2.9.10", true)).toMatchObject({ perKeyTtl: false, expiryEvents: false });
    expect(serverFeatures("2.11.0", true)).toMatchObject({ perKeyTtl: true, expiryEvents: true });
  });
});

describe("topology report", () => {
  test("table and rows", () => {
    const now = 10_000;
    const rows = topologyRows(
      [
        { ...buildInstance({ role: "writer", address: "h:2", capabilities: [], now: now - 1_500 }), sources: ["catalog"] },
        { ...buildInstance({ role: "acceptor", address: "h:1", capabilities: [], now: now - 20 }), sources: ["catalog", "nats"] },
      ],
      now,
    );
    expect(rows.map((r) => [r.role, r.age_ms])).toEqual([["acceptor", 20], ["writer", 1_500]]);
    const table = formatTopologyTable(rows).split("\n");
    expect(table[0]).toMatch(/^ID\s+ROLE\s+ADDRESS\s+LAST HEARTBEAT\s+SOURCE$/);
    expect(table[1]).toContain("20ms ago");
    expect(table[1]).toMatch(/both$/);
    expect(table[2]).toMatch(/1\.5s ago\s+catalog$/);
    expect(formatAge(125_000)).toBe("2m5s");
  });
});
