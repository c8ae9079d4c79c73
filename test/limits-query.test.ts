/**
 * Per-org query limits as an API client meets them, through the monolith's router:
 * bytes scanned (400 naming the limit; trace by id exempt), series (log streams) in an
 * answer (400), series a PromQL query fetches (422, Mimir's answer), each only for the org
 * whose override sets it, and counted on /metrics.
 * Concurrency is tested in services/router/http (it needs queries held open).
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { FlightClient } from "../shared/flight/index.ts";
import { sendTrace } from "./helpers/otel-trace.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let cluster: RoleProcess;
let router: string;
const traces: Record<string, string> = {};

const OVERRIDES = { tiny: { max_query_bytes_scanned: 1 }, fewstreams: { max_query_series: 1 } };

async function get(path: string, org: string) {
  const response = await fetch(`http://${router}${path}`, { headers: { "x-scope-orgid": org } });
  const text = await response.text();
  // Loki answers its errors as plain text, as Loki does; the other APIs JSON.
  const body = response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : { error: text };
  return { status: response.status, body: body as any };
}

/** Log records of `services` (one stream each), now. */
function logsBody(services: string[]): string {
  const now = String(BigInt(Date.now()) * 1_000_000n);
  return JSON.stringify({
    resourceLogs: services.map((service) => ({
      resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
      scopeLogs: [{ logRecords: [{ timeUnixNano: now, body: { stringValue: `hello from ${service}` } }] }],
    })),
  });
}

/** One gauge `queue_depth` with a series per queue, now. */
function metricsBody(queues: string[]): string {
  const now = String(BigInt(Date.now()) * 1_000_000n);
  return JSON.stringify({
    resourceMetrics: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "broker" } }] },
      scopeMetrics: [{
        metrics: [{
          name: "queue_depth",
          gauge: { dataPoints: queues.map((queue) => ({ timeUnixNano: now, asDouble: 3, attributes: [{ key: "queue", value: { stringValue: queue } }] })) },
        }],
      }],
    }],
  });
}

beforeAll(async () => {
  cluster = await startRoleProcess(
    "monolith",
    roleEnv({
      SIGNALBOX_STORAGE_PATH: join(tempDir("limits-query"), "data"),
      SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h",
      SIGNALBOX_LIMITS_OVERRIDES: JSON.stringify(OVERRIDES),
    }),
  );
  router = cluster.addresses["router.http"]!;
  const acceptor = cluster.addresses["acceptor.http"]!;
  for (const org of ["tiny", "roomy", "fewstreams"]) {
    traces[org] = (await sendTrace(acceptor, "checkout", { "X-Scope-OrgID": org })).traceId;
    const response = await fetch(`http://${acceptor}/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-scope-orgid": org },
      body: logsBody(["api", "db"]),
    });
    expect(response.status).toBe(200);
    const metrics = await fetch(`http://${acceptor}/v1/metrics`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-scope-orgid": org },
      body: metricsBody(["orders", "mail"]),
    });
    expect(metrics.status).toBe(200);
  }
  // Into Parquet: bytes scanned are the manifest's files.
  await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
}, 60_000);

afterAll(async () => {
  await cluster?.kill();
}, 60_000);

const SEARCH = `/api/search?q=${encodeURIComponent("{}")}`;
const STREAMS = `/loki/api/v1/query_range?query=${encodeURIComponent('{service_name=~".+"}')}&since=1h`;

test("a search that would read more Parquet than the org may: 400 naming the limit; other orgs unaffected", async () => {
  const refused = await get(SEARCH, "tiny");
  expect(refused.status).toBe(400);
  expect(refused.body.error).toContain("limits.max_query_bytes_scanned");
  const logs = await get(STREAMS, "tiny");
  expect(logs.status).toBe(400);

  const roomy = await get(SEARCH, "roomy");
  expect(roomy.status).toBe(200);
  expect(roomy.body.traces.map((t: { traceID: string }) => t.traceID)).toContain(traces.roomy);
});

test("trace by id is not charged: it reads the row groups its footers point at", async () => {
  const found = await get(`/api/v2/traces/${traces.tiny}`, "tiny");
  expect(found.status).toBe(200);
});

test("an answer with more log streams than the org may get: 400 naming the limit", async () => {
  const refused = await get(STREAMS, "fewstreams");
  expect(refused.status).toBe(400);
  expect(refused.body.error).toContain("2 log streams");
  expect(refused.body.error).toContain("limits.max_query_series");
  const one = await get(`/loki/api/v1/query_range?query=${encodeURIComponent('{service_name="api"}')}&since=1h`, "fewstreams");
  expect(one.status).toBe(200);
  expect(one.body.data.result).toHaveLength(1);
  expect((await get(STREAMS, "roomy")).body.data.result).toHaveLength(2);
});

test("a PromQL query fetching more series than the org may: 422 execution naming the limit", async () => {
  const query = (q: string, org: string) => get(`/prometheus/api/v1/query?query=${encodeURIComponent(q)}`, org);
  const refused = await query("sum(queue_depth)", "fewstreams");
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ status: "error", errorType: "execution" });
  expect(refused.body.error).toContain("limits.max_query_series");
  const one = await query('queue_depth{queue="mail"}', "fewstreams");
  expect(one.status).toBe(200);
  expect(one.body.data.result).toHaveLength(1);
  expect((await query("queue_depth", "roomy")).body.data.result).toHaveLength(2);
});

test("limit hits are counted by org and limit on /metrics (bytes scanned by the querier, series by the router)", async () => {
  const routerText = await (await fetch(`http://${router}/metrics`)).text();
  const querierText = await (await fetch(`http://${cluster.addresses["querier.http"]}/metrics`)).text();
  expect(querierText).toMatch(/^signalbox_limit_hits_total\{limit="max_query_bytes_scanned",org="tiny"\} [1-9]/m);
  expect(routerText).toMatch(/^signalbox_limit_hits_total\{limit="max_query_series",org="fewstreams"\} [1-9]/m);
  for (const text of [routerText, querierText]) expect(text).not.toMatch(/signalbox_limit_hits_total\{[^}]*org="roomy"/);
});
