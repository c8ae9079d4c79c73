/**
 * Resolver semantics against a real SQLite-file catalog and real NATS, with instances started
 * in this process through startDiscovery: round-robin, suspects, change events, the cache,
 * and NATS pushing registrations and deregistrations past the cache.
 */
import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { startDiscovery, type ChangeEvent, type Discovery } from "../shared/discovery/index.ts";
import { waitUntil } from "./helpers/discovery-env.ts";
import { createScenario, type Scenario, type ScenarioOptions } from "./helpers/discovery-observer.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let scenario: Scenario | undefined;
const running: Discovery[] = [];
afterEach(async () => {
  for (const discovery of running.splice(0)) await discovery.stop();
  await scenario?.dispose();
  scenario = undefined;
}, 30_000);

async function start(s: Scenario, role: string, capabilities: string[]): Promise<Discovery> {
  const discovery = await startDiscovery({
    config: s.config,
    role,
    capabilities,
    address: `127.0.0.1:${10_000 + running.length}`,
    catalog: s.catalog,
    log: s.log,
  });
  running.push(discovery);
  return discovery;
}

async function setup(options: ScenarioOptions) {
  scenario = await createScenario(options);
  const resolver = await scenario.resolver();
  const events: ChangeEvent[] = [];
  resolver.onChange((event) => events.push(event));
  const seen = (type: ChangeEvent["type"], id: string) => events.some((e) => e.type === type && e.instance.id === id);
  return { s: scenario, resolver, events, seen };
}

describe("resolver, catalog only", () => {
  test("round-robin, suspects excluded until heard again, graceful stop seen at once, change events", async () => {
    const { s, resolver, seen } = await setup({ catalog: "sqlite", nats: false, timing: { heartbeat: "200ms", ttl: "600ms" } });
    const q1 = await start(s, "querier", ["query"]);
    const q2 = await start(s, "querier", ["query"]);
    const writer = await start(s, "writer", ["storage", "live-query"]);
    expect(writer.instance.meta).toMatchObject({ pid: process.pid, listeners: { main: writer.instance.address } });

    const picks = [];
    for (let i = 0; i < 4; i++) picks.push((await resolver.pickRoundRobin("query"))!.id);
    const [first, second] = [q1.instance.id, q2.instance.id].sort();
    expect(picks).toEqual([first, second, first, second]);
    expect(await resolver.pickRoundRobin({ role: "router" })).toBeUndefined();
    expect((await resolver.live({ capability: "live-query" })).map((i) => i.id)).toEqual([writer.instance.id]);
    await waitUntil(() => seen("up", writer.instance.id), 1_000, "up event of the writer");

    resolver.markSuspect(q1.instance.id);
    expect((await resolver.live("querier")).map((i) => i.id)).toEqual([q2.instance.id]);
    expect(seen("down", q1.instance.id)).toBe(true);
    // Its next catalog heartbeat (every 200 ms) is fresh evidence: back in.
    await waitUntil(async () => (await resolver.live("querier")).length === 2, 2_000, "suspect readmitted after a heartbeat");
    expect(seen("up", q1.instance.id) && seen("down", q1.instance.id)).toBe(true);

    // A row deleted under a live instance (reaped during an outage): down at once, and the
    // instance registers again when its next heartbeat finds no row.
    await s.catalog.deregister(q2.instance.id);
    expect((await resolver.live("querier")).map((i) => i.id)).toEqual([q1.instance.id]);
    await waitUntil(async () => (await resolver.live("querier")).length === 2, 2_000, "re-registration after the row vanished");
    expect(s.logLines.some((line) => line.includes('"discovery.reregistered"'))).toBe(true);

    await writer.stop();
    expect(await resolver.live({ role: "writer" })).toEqual([]);
    expect(seen("down", writer.instance.id)).toBe(true);
    expect(resolver.status()).toEqual({ degraded: false, catalog: "ok", nats: "off" });
  }, 30_000);
});

describe("resolver with NATS and a 5 s cache", () => {
  test("registrations and deregistrations are pushed past the cache; suspects come back on the next NATS heartbeat", async () => {
    const { s, resolver, seen } = await setup({
      catalog: "sqlite",
      nats: true,
      timing: { heartbeat: "1s", ttl: "3s", natsHeartbeat: "250ms", staleAfter: "1s", cacheTtl: "5s" },
    });
    expect(resolver.status()).toEqual({ degraded: false, catalog: "ok", nats: "ok" });
    const q1 = await start(s, "querier", ["query"]);
    // The catalog answer is cached for 5 s; the register subject makes it live at once.
    await waitUntil(async () => (await resolver.live("query")).length === 1, 1_000, "registration pushed by NATS");
    const q2 = await start(s, "querier", ["query"]);
    await waitUntil(async () => (await resolver.live("query")).length === 2, 1_000, "second registration pushed by NATS");

    await q1.stop();
    running.splice(running.indexOf(q1), 1);
    const goneMs = await waitUntil(
      async () => !(await resolver.live("query")).some((i) => i.id === q1.instance.id),
      1_000,
      "deregistration pushed by NATS",
      5,
    );
    expect(seen("down", q1.instance.id)).toBe(true);

    resolver.markSuspect(q2.instance.id);
    expect(await resolver.live("query")).toEqual([]);
    const backMs = await waitUntil(async () => (await resolver.live("query")).length === 1, 2_000, "suspect heard again on NATS");
    console.log(`[resolver nats] deregister seen in ${goneMs.toFixed(0)}ms; suspect readmitted after ${backMs.toFixed(0)}ms`);
  }, 30_000);
});
