/**
 * Four stand-in roles in four processes find each other through a real catalog (SQLite file,
 * then a fresh PostgreSQL database, then PostgreSQL + NATS): the topology CLI sees them all,
 * a graceful stop is seen at once, a kill -9 within ttl (catalog) or stale_after (NATS), and
 * the crashed row is reaped.
 */
import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { runTopology, spawnInstance, waitUntil } from "./helpers/discovery-env.ts";
import { createScenario, type Scenario, type ScenarioOptions } from "./helpers/discovery-observer.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const ROLES = ["acceptor", "writer", "router", "querier"] as const;
/** Slack for a busy 2-core machine on top of each bound the design states. */
const SLACK_MS = 500;

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.dispose();
  scenario = undefined;
}, 30_000);

async function fourRolesLifecycle(options: ScenarioOptions, bounds: { crashMs: number; reapMs?: number }) {
  scenario = await createScenario(options);
  const s = scenario;
  const resolver = await s.resolver();
  const liveIds = async () => new Set((await resolver.live()).map((i) => i.id));

  const standIns = await Promise.all(ROLES.map((role) => spawnInstance(role, s.env)));
  s.standIns.push(...standIns);
  const lastReady = performance.now();
  const topology = await runTopology(s.env);
  const topologyMs = performance.now() - lastReady;
  expect(topology.stderr).toBe("");
  expect(topology.code).toBe(0);
  const rows = JSON.parse(topology.stdout) as Array<{ id: string; role: string; address: string; last_seen: number; sources: string[] }>;
  for (const standIn of standIns) {
    const row = rows.find((r) => r.id === standIn.id);
    expect(row).toMatchObject({ role: standIn.role, address: standIn.address });
    expect(row!.sources).toContain(options.nats ? "nats" : "catalog");
  }

  const [acceptor, writer] = standIns;
  // Graceful stop deregisters before the process exits: gone the moment it has exited.
  const termAt = performance.now();
  expect(await acceptor!.stop()).toBe(0);
  expect((await liveIds()).has(acceptor!.id)).toBe(false);
  const termMs = performance.now() - termAt;

  // kill -9: no deregister; liveness runs out.
  const crashAt = performance.now();
  await writer!.crash();
  await waitUntil(async () => !(await liveIds()).has(writer!.id), bounds.crashMs + 5_000, "crashed writer to drop out");
  const crashMs = performance.now() - crashAt;
  expect(crashMs).toBeLessThan(bounds.crashMs + SLACK_MS);
  let reapMs: number | undefined;
  if (bounds.reapMs !== undefined) {
    await waitUntil(
      async () => !(await s.catalog.listLive(0)).some((row) => row.id === writer!.id),
      bounds.reapMs + 5_000,
      "crashed writer's row to be reaped",
      25,
    );
    reapMs = performance.now() - crashAt;
    expect(reapMs).toBeLessThan(bounds.reapMs + SLACK_MS);
  }
  expect([...(await liveIds())].sort()).toEqual([standIns[2]!.id, standIns[3]!.id].sort());
  console.log(
    `[discovery ${options.catalog}${options.nats ? "+nats" : ""}] topology after last ready: ${topologyMs.toFixed(0)}ms; ` +
      `SIGTERM→gone ${termMs.toFixed(0)}ms; kill -9→gone ${crashMs.toFixed(0)}ms` +
      (reapMs !== undefined ? `; kill -9→reaped ${reapMs.toFixed(0)}ms` : ""),
  );
}

const CATALOG_TIMING = { heartbeat: "200ms", ttl: "600ms" };

describe("four roles in four processes", () => {
  test("SQLite file catalog", async () => {
    // gone within ttl; reaped within 2 × ttl (+ one heartbeat: reaping runs on the survivors' ticks)
    await fourRolesLifecycle({ catalog: "sqlite", nats: false, timing: CATALOG_TIMING }, { crashMs: 600, reapMs: 1_400 });
  }, 30_000);

  test("PostgreSQL catalog", async () => {
    await fourRolesLifecycle({ catalog: "postgres", nats: false, timing: CATALOG_TIMING }, { crashMs: 600, reapMs: 1_400 });
  }, 30_000);

  test("PostgreSQL catalog + NATS: a crash is seen through NATS, long before the catalog ttl", async () => {
    await fourRolesLifecycle(
      { catalog: "postgres", nats: true, timing: { heartbeat: "1s", ttl: "5s", natsHeartbeat: "250ms", staleAfter: "1s" } },
      { crashMs: 1_000 },
    );
  }, 30_000);
});

describe("a role that could never see its peers", () => {
  test("refuses to start alone with sqlite::memory: and no NATS; topology says it cannot see anything", async () => {
    scenario = await createScenario({ catalog: "sqlite", nats: false, timing: {} });
    const env = { ...scenario.env, SIGNALBOX_DISCOVERY_CATALOG_DSN: "sqlite::memory:" };
    await expect(spawnInstance("writer", env)).rejects.toThrow(/code 2\).*cannot discover peers/s);
    const topology = await runTopology(env);
    expect(topology.code).toBe(2);
    expect(topology.stderr).toContain("cannot see anything");
    expect(topology.stdout).toBe("");
  }, 30_000);
});
