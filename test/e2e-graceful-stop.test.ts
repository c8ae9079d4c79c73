/**
 * SIGTERM during continuous ingest: the stopped writer leaves every resolver at once, no
 * acknowledged span is lost or stored twice, and ingest resumes when it is back.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { randomTracePayload } from "./helpers/otlp-json.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const dir = tempDir("graceful");
const env = roleEnv({
  SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(dir, "catalog.db")}`,
  SIGNALBOX_STORAGE_PATH: join(dir, "data"),
  SIGNALBOX_WRITE_TIMEOUT: "2s",
  SIGNALBOX_WRITER_FLUSH_INTERVAL: "300ms",
});
const roles: Record<string, RoleProcess> = {};

beforeAll(async () => {
  roles.writer = await startRoleProcess("writer", env);
  roles.querier = await startRoleProcess("querier", env);
  roles.router = await startRoleProcess("router", env);
  roles.acceptor = await startRoleProcess("acceptor", env);
}, 60_000);

afterAll(async () => {
  for (const role of Object.values(roles)) role.proc.kill("SIGKILL");
});

async function writersInTopology(): Promise<number> {
  const topology = (await (await fetch(`http://${roles.router!.addresses.http}/api/v1/topology`)).json()) as { instances: Array<{ role: string }> };
  return topology.instances.filter((i) => i.role === "writer").length;
}

test("SIGTERM on the writer during ingest: gone from discovery within 200 ms, no acknowledged span lost", async () => {
  const acked: string[] = [];
  const statuses = new Map<number, number>();
  let stop = false;
  const sender = (async () => {
    while (!stop) {
      const { body, spanIds } = randomTracePayload(20);
      const response = await fetch(`http://${roles.acceptor!.addresses.http}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 200) acked.push(...spanIds);
    }
  })();
  await Bun.sleep(700);

  const termAt = performance.now();
  roles.writer!.proc.kill("SIGTERM");
  let goneAfterMs = Infinity;
  while (performance.now() - termAt < 5_000) {
    if ((await writersInTopology()) === 0) {
      goneAfterMs = performance.now() - termAt;
      break;
    }
    await Bun.sleep(10);
  }
  expect(await roles.writer!.proc.exited).toBe(0);
  expect(goneAfterMs).toBeLessThan(200);

  roles.writer = await startRoleProcess("writer", env);
  const resumedFrom = acked.length;
  const deadline = Date.now() + 10_000;
  while (acked.length === resumedFrom && Date.now() < deadline) await Bun.sleep(50);
  await Bun.sleep(300);
  stop = true;
  await sender;
  expect(acked.length).toBeGreaterThan(resumedFrom);
  // Only "retry later" answers while no writer was there.
  expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);

  const response = await fetch(`http://${roles.router!.addresses.http}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sql: "select span_id, count(*) as n from traces group by span_id" }),
  });
  const result = (await response.json()) as { rows: Array<[string, number]> };
  const stored = new Map(result.rows.map(([id, n]) => [id, n]));
  const missing = acked.filter((id) => !stored.has(id));
  const twice = [...stored].filter(([, n]) => n !== 1);
  expect({ missing: missing.length, twice: twice.length }).toEqual({ missing: 0, twice: 0 });
}, 60_000);
