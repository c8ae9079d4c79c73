/**
 * Two queriers behind the router: killing one (kill -9) while a client loops on queries
 * costs the client nothing — the router marks the dead querier suspect and retries on the
 * other before the heartbeat timeout would notice.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { sendTrace } from "./helpers/otel-trace.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const dir = tempDir("querier-failover");
const env = roleEnv({
  SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(dir, "catalog.db")}`,
  SIGNALBOX_STORAGE_PATH: join(dir, "data"),
  // A slow heartbeat: the test shows failover does not wait for the TTL.
  SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "2s",
});
const roles: RoleProcess[] = [];
let router: string;
let acceptor: string;
let queriers: RoleProcess[];

beforeAll(async () => {
  roles.push(await startRoleProcess("writer", env));
  queriers = [await startRoleProcess("querier", env), await startRoleProcess("querier", env)];
  roles.push(...queriers);
  const r = await startRoleProcess("router", env);
  const a = await startRoleProcess("acceptor", env);
  roles.push(r, a);
  router = r.addresses.http!;
  acceptor = a.addresses.http!;
}, 60_000);

afterAll(async () => {
  for (const role of roles) role.proc.kill("SIGKILL");
});

test("killing one of two queriers while a client loops on queries: no request fails", async () => {
  const { traceId } = await sendTrace(acceptor);
  const statuses: number[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const response = await fetch(`http://${router}/api/v2/traces/${traceId}`);
      statuses.push(response.status);
      await response.arrayBuffer();
    }
  })();
  // The loop is under way (the first answer can take a while on a loaded machine) before the kill.
  for (const started = Date.now(); statuses.length < 3 && Date.now() - started < 20_000; ) await Bun.sleep(50);
  const before = statuses.length;
  await queriers[0]!.kill();
  await Bun.sleep(1_500);
  stop = true;
  await loop;
  expect(before).toBeGreaterThan(0);
  expect(statuses.length).toBeGreaterThan(before);
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
}, 30_000);
