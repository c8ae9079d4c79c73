/**
 * One SQL query must not take the querier down. `select len(list(range(50000000)))` builds
 * one multi-GiB list inside a single DuckDB function call, which neither DuckDB's
 * memory_limit nor its interrupt can stop (it took a monolith to 3.1 GB and an OOM kill).
 * In a running monolith with `query.max_memory = 256MiB` it gets a clear 422 while the
 * process tree stays within its budget, and other queries keep being answered meanwhile.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { treeResidentBytes } from "./helpers/process-tree.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const MiB = 1024 * 1024;
const MAX_MEMORY = 256 * MiB;
let cluster: RoleProcess;

beforeAll(async () => {
  cluster = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: tempDir("query-memory"), SIGNALBOX_QUERY_MAX_MEMORY: "256MiB" }));
}, 60_000);

afterAll(async () => {
  await cluster?.kill();
});

async function sql(text: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://${cluster.addresses["router.http"]}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sql: text }),
  });
  return { status: response.status, body: await response.json() };
}

test("a query past query.max_memory: 422 with the reason, the process within budget, others answered", async () => {
  // Warm: the first SQL query starts the sandbox process kept ready for the next one.
  expect((await sql("select 1 as one")).status).toBe(200);
  const baseline = treeResidentBytes(cluster.proc.pid);

  let peak = baseline.total;
  let peakRoot = baseline.root;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = treeResidentBytes(cluster.proc.pid);
      peak = Math.max(peak, now.total);
      peakRoot = Math.max(peakRoot, now.root);
      await Bun.sleep(25);
    }
  })();

  const runaway = sql("select len(list(range(50000000)))");
  // Other queries are answered while it runs.
  const others = await Promise.all([sql("select 40 + 2 as answer"), fetch(`http://${cluster.addresses["router.http"]}/api/search?limit=5`)]);
  expect(others[0].status).toBe(200);
  expect(others[0].body.rows).toEqual([[42]]);
  expect(others[1].status).toBe(200);

  const refused = await runaway;
  sampling = false;
  await sampler;
  console.log(
    `query memory bound: tree ${Math.round(baseline.total / MiB)} → peak ${Math.round(peak / MiB)} MiB, ` +
      `querier process ${Math.round(baseline.root / MiB)} → peak ${Math.round(peakRoot / MiB)} MiB`,
  );
  expect(refused.status).toBe(422);
  expect(refused.body.error).toContain("query.max_memory");

  // The runaway's process may reach the limit (plus one watch interval of growth); a fresh
  // sandbox is started ahead meanwhile. Nothing else grows.
  const SPARE_AND_SLACK = 160 * MiB;
  expect(peak - baseline.total).toBeLessThan(MAX_MEMORY + SPARE_AND_SLACK);
  expect(peakRoot - baseline.root).toBeLessThan(100 * MiB);
  expect((await sql("select 7 as still_serving")).body.rows).toEqual([[7]]);
  expect(cluster.proc.exitCode).toBeNull();
}, 120_000);
