/**
 * Grafana's Tempo data source with streaming on, against one running cluster: spans sent
 * with the real OTel JS exporter; streaming search and metrics through a real grpc-js client
 * built from Tempo's protos (proto/tempo/tempo.proto) on router.grpc_port, which also serves
 * the HTTP API; the search envelope (serviceStats, inspected figures); and the tag / value
 * autocomplete calls with `q` as Grafana's language provider and the Traces Drilldown app send
 * them (`/api/v2/search/tags?limit=5000`, `/api/v2/search/tag/{tag}/values?q=…&limit=5000`).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { join } from "node:path";
import { FlightClient } from "../shared/flight/index.ts";
import { StreamingQuerierClient } from "../services/router/tempo-streaming/proto.ts";
import { sendTrace } from "./helpers/otel-trace.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let cluster: RoleProcess;
let grpcAddress: string;
let client: grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientReadableStream<any>>;
const traces: Record<string, string> = {};
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  cluster = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: join(tempDir("tempo-stream"), "data"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
  const acceptor = cluster.addresses["acceptor.http"]!;
  traces.checkout = (await sendTrace(acceptor, "checkout")).traceId;
  // One trace in Parquet, the rest live: the inspected bytes count both.
  await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
  traces.billing = (await sendTrace(acceptor, "billing")).traceId;
  traces.other = (await sendTrace(acceptor, "checkout", { "X-Scope-OrgID": "globex" })).traceId;
  grpcAddress = cluster.addresses["router.grpc"]!;
  client = new StreamingQuerierClient(grpcAddress, grpc.credentials.createInsecure()) as typeof client;
}, 60_000);

afterAll(async () => {
  client?.close();
  await cluster?.kill();
});

/** Every message of a server stream, or its status error. */
function collect(method: string, request: unknown, metadata = new grpc.Metadata()): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const messages: any[] = [];
    const call = client[method]!(request, metadata);
    call.on("data", (m: unknown) => messages.push(m));
    call.on("error", reject);
    call.on("end", () => resolve(messages));
  });
}

async function http(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`http://${grpcAddress}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as any };
}

describe("streaming search (tempopb.StreamingQuerier/Search)", () => {
  test("progressive answers job by job, the last with the final metrics, as Grafana merges them", async () => {
    const request = { Query: "{ resource.service.name =~ \"checkout|billing\" }", start: now() - 3 * 3600, end: now() + 60, Limit: 20, SpansPerSpanSet: 3 };
    const messages = await collect("Search", request);
    expect(messages.length).toBeGreaterThan(1); // 3 h 1 m: jobs of 15 m, 1 h and the rest
    const last = messages.at(-1)!;
    expect(last.metrics.completedJobs).toBe(last.metrics.totalJobs);
    messages.slice(0, -1).forEach((m, i) => expect(m.metrics.completedJobs).toBe(i + 1));
    // Grafana keeps the first copy of each trace id; each trace is sent once.
    const sent = messages.flatMap((m) => m.traces ?? []);
    expect(sent.map((t: any) => t.traceID).sort()).toEqual([traces.billing, traces.checkout].sort());
    const checkout = sent.find((t: any) => t.traceID === traces.checkout);
    expect(checkout).toMatchObject({ rootServiceName: "checkout", rootTraceName: "POST /checkout", serviceStats: { checkout: { spanCount: 2, errorCount: 1 } } });
    expect(checkout.spanSets[0].matched).toBe(2);
    expect(checkout.spanSets[0].spans.map((s: any) => s.name).sort()).toEqual(["POST /checkout", "SELECT orders"]);
    // The same traces as the HTTP API's answer (which Grafana uses with streaming off).
    const params = new URLSearchParams({ q: request.Query, start: String(request.start), end: String(request.end) });
    const { body } = await http(`/api/search?${params}`);
    expect(body.traces.map((t: any) => t.traceID).sort()).toEqual(sent.map((t: any) => t.traceID).sort());
    expect(Number(last.metrics.inspectedBytes)).toBeGreaterThan(0);
    expect(Number(last.metrics.inspectedSpans)).toBeGreaterThanOrEqual(4);
  });

  test("the limit ends the search early: no job runs once enough traces were sent", async () => {
    const messages = await collect("Search", { Query: "{}", start: now() - 24 * 3600, end: now() + 60, Limit: 1 });
    expect(messages.flatMap((m) => m.traces ?? [])).toHaveLength(1);
    const last = messages.at(-1)!;
    expect(last.metrics.completedJobs).toBe(1);
    expect(last.metrics.totalJobs).toBe(1);
  });

  test("tenancy from X-Scope-OrgID metadata, as the HTTP API", async () => {
    const metadata = new grpc.Metadata();
    metadata.set("X-Scope-OrgID", "globex");
    const messages = await collect("Search", { Query: "{}", start: now() - 3600, end: now() + 60 }, metadata);
    expect(messages.flatMap((m) => m.traces ?? []).map((t: any) => t.traceID)).toEqual([traces.other]);
  });

  test("bad TraceQL is INVALID_ARGUMENT naming the position; a bad org name too", async () => {
    const err = await collect("Search", { Query: "{ span.http.method = }" }).catch((e) => e);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain("position 21");
    const metadata = new grpc.Metadata();
    metadata.set("X-Scope-OrgID", "no spaces allowed");
    expect((await collect("Search", { Query: "{}" }, metadata).catch((e) => e)).code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe("streaming TraceQL metrics", () => {
  test("MetricsQueryRange answers the /api/metrics/query_range series", async () => {
    const endNs = BigInt(Date.now() + 60_000) * 1_000_000n;
    const request = { query: "{} | count_over_time() by (resource.service.name)", start: String(endNs - 3_600_000_000_000n), end: String(endNs), step: "60000000000" };
    const [message, ...rest] = await collect("MetricsQueryRange", request);
    expect(rest).toHaveLength(0);
    const byService = Object.fromEntries(
      message.series.map((s: any) => [s.labels[0].value.stringValue, s.samples.reduce((n: number, p: any) => n + p.value, 0)]),
    );
    expect(byService).toEqual({ checkout: 2, billing: 2 });
  });

  test("MetricsQueryInstant answers one value per series", async () => {
    const endNs = BigInt(Date.now() + 60_000) * 1_000_000n;
    const [message] = await collect("MetricsQueryInstant", { query: "{ status = error } | count_over_time()", start: String(endNs - 3_600_000_000_000n), end: String(endNs) });
    expect(message.series.map((s: any) => s.value)).toEqual([2]);
  });
});

describe("the HTTP API on the streaming port (one URL for Grafana)", () => {
  test("buildinfo reports a version that turns on Grafana's streaming search and metrics", async () => {
    const { body } = await http("/api/status/buildinfo");
    expect(body.version).toBe("2.7.0");
  });

  test("search envelope: serviceStats per trace, inspected traces, spans and bytes", async () => {
    const { body } = await http(`/api/search?q=${encodeURIComponent("{ status = error }")}&start=${now() - 3600}&end=${now() + 60}`);
    const byId = Object.fromEntries(body.traces.map((t: any) => [t.traceID, t.serviceStats]));
    expect(byId).toEqual({ [traces.checkout!]: { checkout: { spanCount: 2, errorCount: 1 } }, [traces.billing!]: { billing: { spanCount: 2, errorCount: 1 } } });
    expect(body.metrics.inspectedTraces).toBeGreaterThanOrEqual(2);
    expect(Number(body.metrics.inspectedSpans)).toBeGreaterThanOrEqual(4);
    expect(Number(body.metrics.inspectedBytes)).toBeGreaterThan(0);
  });
});

describe("autocomplete as Grafana sends it", () => {
  const values = async (tag: string, q?: string) => {
    const params = new URLSearchParams({ limit: "5000", ...(q !== undefined ? { q } : {}) });
    const { status, body } = await http(`/api/v2/search/tag/${encodeURIComponent(tag)}/values?${params}`);
    expect(status).toBe(200);
    return (body.tagValues as Array<{ type: string; value: string }>).map((v) => `${v.type}:${v.value}`).sort();
  };

  test("v2 tags list the event and link scopes", async () => {
    const { body } = await http("/api/v2/search/tags?limit=5000");
    const scopes = Object.fromEntries(body.scopes.map((s: any) => [s.name, s.tags]));
    expect(scopes.event).toEqual(["rows"]);
    expect(scopes.link).toEqual(["link.kind"]);
    expect(scopes.span).toContain("db.system");
    expect(scopes.resource).toContain("service.name");
    expect(await values("event.rows")).toEqual(["int:42"]);
    expect(await values("link.link.kind")).toEqual(["string:follows"]);
  });

  test("value types as Tempo names them (float, not double)", async () => {
    expect(await values("span.cache.hit_ratio")).toEqual(["float:0.75"]);
    expect(await values("span.retry")).toEqual(["bool:false"]);
    expect(await values("status")).toEqual(["keyword:error", "keyword:unset"]);
  });

  test("q narrows values to matching spans, half-typed queries included", async () => {
    expect(await values("resource.service.name")).toEqual(["string:billing", "string:checkout"]);
    // The search builder's other filters, as generateQueryFromFilters writes them.
    expect(await values("resource.service.name", '{span.http.method="POST" && resource.deployment.environment="test"}')).toEqual(["string:billing", "string:checkout"]);
    expect(await values("name", '{resource.service.name="billing"}')).toEqual(["string:POST /checkout", "string:SELECT orders"]);
    expect(await values("span.db.system", "{status=error}")).toEqual(["string:postgresql"]);
    expect(await values("span.http.method", "{status=error}")).toEqual([]);
    // The TraceQL editor's text while the value is being typed.
    expect(await values("name", '{ kind = client && span.db.system = }')).toEqual(["string:SELECT orders"]);
    expect(await values("resource.service.name", '{ span:name = "SELECT orders" && span:status = error && span.db.system =')).toEqual([
      "string:billing",
      "string:checkout",
    ]);
    expect(await values("span.db.system", '{ resource.service.name = "billing" || span.http.method = }')).toEqual(["string:postgresql"]);
    // A query that narrows nothing (Tempo: unparseable or not one spanset filter) → every value.
    expect(await values("resource.service.name", "{ .a = 1 } && { .b = 2 }")).toEqual(["string:billing", "string:checkout"]);
    expect(await values("resource.service.name", "{ nonsense")).toEqual(["string:billing", "string:checkout"]);
  });

  test("q narrows tag names too", async () => {
    const { body } = await http(`/api/v2/search/tags?limit=5000&scope=span&q=${encodeURIComponent("{kind=server}")}`);
    expect(body.scopes).toEqual([{ name: "span", tags: ["http.method", "http.status_code"] }]);
  });
});
