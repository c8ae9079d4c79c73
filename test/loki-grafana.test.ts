/**
 * Grafana's Loki data source against a running Signalbox: the calls Grafana makes (taken from
 * its source, `public/app/plugins/datasource/loki/`: datasource.ts, LogContextProvider.ts,
 * modifyQuery.ts, the trace-to-logs query of createSpanLink) replayed over HTTP, each answer
 * checked for Loki's shape. Data arrives through the real OTel JS log exporter and Loki push.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { CHECKOUT_LINES, pushJson, pushProtobuf, sendOtelLogs, SPAN_ID, TRACE_ID } from "./helpers/loki-data.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const dir = tempDir("loki-grafana");
let cluster: RoleProcess;
let router: string;
let acceptor: string;
/** Whole seconds, some minutes ago: inside the acceptor's time window. */
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const START = String(ns(BASE_MS - 60_000));
const END = String(ns(BASE_MS + 5 * 60_000));
const CATEGORIZE = { "X-Loki-Response-Encoding-Flags": "categorize-labels" };

async function get(path: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`http://${router}${path}?${new URLSearchParams(params)}`, { headers });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, type: response.headers.get("content-type") ?? "", body };
}

const range = (query: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  get("/loki/api/v1/query_range", { query, start: START, end: END, limit: "1000", direction: "backward", ...extra }, headers);

beforeAll(async () => {
  cluster = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: join(dir, "data"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
  router = cluster.addresses["router.http"]!;
  acceptor = cluster.addresses["acceptor.http"]!;
  await sendOtelLogs(acceptor, BASE_MS);
  const billing = [0, 15, 45].map((s, i) => ({ ns: ns(BASE_MS + s * 1000), line: `level=${i === 1 ? "error" : "info"} msg="charge ${i}" amount=${(i + 1) * 10}`, metadata: { trace_id: i === 1 ? TRACE_ID : "0" } }));
  expect((await pushJson(acceptor, { service_name: "billing", env: "prod" }, billing)).status).toBe(204);
  const varlogs = [5, 25].map((s, i) => ({ ns: ns(BASE_MS + s * 1000), line: `GET /health ${i}` }));
  expect((await pushProtobuf(acceptor, '{job="varlogs", filename="/var/log/app.log"}', varlogs)).status).toBe(204);
}, 60_000);

afterAll(async () => {
  await cluster?.kill();
});

describe("Save & test", () => {
  test("the instant query vector(1)+vector(1) answers a vector of 2", async () => {
    const r = await get("/loki/api/v1/query", { query: "vector(1)+vector(1)", time: String(ns(BASE_MS)) });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("success");
    expect(r.body.data.resultType).toBe("vector");
    expect(r.body.data.result).toEqual([{ metric: {}, value: [BASE_MS / 1000, "2"] }]);
    expect(r.body.data.stats.summary).toMatchObject({ totalEntriesReturned: 0, totalLinesProcessed: 0 });
  });
});

describe("Explore: a log query", () => {
  test("plain form: stream labels, structured metadata and nothing else merged into each stream", async () => {
    const r = await range('{service_name="checkout"}');
    expect(r.status).toBe(200);
    expect(r.body.data.resultType).toBe("streams");
    // Lines whose metadata is the same share a stream; each stream is newest first.
    for (const s of r.body.data.result) expect(s.values.map((v: any) => v[0])).toEqual(s.values.map((v: any) => v[0]).sort().reverse());
    const values = r.body.data.result.flatMap((s: any) => s.values).sort((a: any, b: any) => (a[0] < b[0] ? 1 : -1));
    expect(values.map((v: any) => v[1])).toEqual(CHECKOUT_LINES.map((l) => l.body).reverse());
    const traced = r.body.data.result.find((s: any) => s.stream.trace_id === TRACE_ID);
    expect(traced.stream).toMatchObject({
      service_name: "checkout", deployment_environment: "test", k8s_pod_name: "checkout-0",
      host_name: "h1", user_id: "u3", severity_text: "ERROR", severity_number: "17", span_id: SPAN_ID,
      scope_name: "shop.checkout", scope_version: "2.0.0", detected_level: "error",
    });
  });

  test("categorize-labels: stream labels apart from each entry's structured metadata", async () => {
    const r = await range('{service_name="checkout"}', {}, CATEGORIZE);
    expect(r.body.data.encodingFlags).toEqual(["categorize-labels"]);
    expect(r.body.data.result).toHaveLength(1);
    const [stream] = r.body.data.result;
    expect(stream.stream).toEqual({ deployment_environment: "test", k8s_pod_name: "checkout-0", service_name: "checkout" });
    expect(stream.values).toHaveLength(CHECKOUT_LINES.length);
    const [ts, line, labels] = stream.values[2];
    expect(ts).toBe(String(ns(BASE_MS + 20_000)));
    expect(line).toContain("payment failed");
    expect(labels.structuredMetadata).toMatchObject({ trace_id: TRACE_ID, span_id: SPAN_ID, detected_level: "error", user_id: "u3" });
    expect(labels.parsed).toBeUndefined();
  });

  test("Loki push: JSON and snappy protobuf streams read back with their labels and metadata", async () => {
    const billing = await range('{service_name="billing"}', { direction: "forward" }, CATEGORIZE);
    expect(billing.body.data.result[0].stream).toEqual({ env: "prod", service_name: "billing" });
    expect(billing.body.data.result[0].values.map((v: any) => v[2].structuredMetadata)).toEqual([
      { trace_id: "0", detected_level: "info" },
      { trace_id: TRACE_ID, detected_level: "error" },
      { trace_id: "0", detected_level: "info" },
    ]);
    const varlogs = await range('{job="varlogs"}', { direction: "forward" });
    expect(varlogs.body.data.result).toEqual([
      {
        stream: { detected_level: "unknown", filename: "/var/log/app.log", job: "varlogs", service_name: "varlogs" },
        values: [[String(ns(BASE_MS + 5000)), "GET /health 0"], [String(ns(BASE_MS + 25000)), "GET /health 1"]],
      },
    ]);
  });
});

describe("logs volume", () => {
  test("sum by (level, detected_level) (count_over_time({…} | drop __error__ [1m])) is a matrix per level", async () => {
    const query = 'sum by (level, detected_level) (count_over_time({service_name="checkout"} | drop __error__ [1m]))';
    const r = await range(query, { step: "60" });
    expect(r.status).toBe(200);
    expect(r.body.data.resultType).toBe("matrix");
    const totals = Object.fromEntries(
      r.body.data.result.map((s: any) => [s.metric.detected_level, s.values]),
    );
    expect(Object.keys(totals).sort()).toEqual(["error", "info", "warn"]);
    for (const s of r.body.data.result) expect(Object.keys(s.metric)).toEqual(["detected_level"]);
  });
});

describe("log context", () => {
  test("rows before and after a line, from the row's stream labels", async () => {
    const row = ns(BASE_MS + 20_000);
    const expr = '{deployment_environment="test",k8s_pod_name="checkout-0",service_name="checkout"}';
    const before = await get("/loki/api/v1/query_range", { query: expr, limit: "10", direction: "backward", start: String(row - ns(2 * 3_600_000)), end: String(row) });
    // Plain form: each line's metadata makes it a stream of its own.
    const times = (r: any) => r.body.data.result.flatMap((s: any) => s.values.map((v: any) => v[0]));
    expect(times(before).sort().reverse()).toEqual([String(ns(BASE_MS + 10_000)), String(ns(BASE_MS))]);
    const after = await get("/loki/api/v1/query_range", { query: expr, limit: "10", direction: "forward", start: String(row), end: String(row + ns(2 * 3_600_000)) });
    expect(times(after).sort()).toEqual([20_000, 30_000, 40_000].map((o) => String(ns(BASE_MS + o))));
  });
});

describe("Add filter from a parsed field", () => {
  test("{…} | json | status=`500` keeps the matching line, the parsed fields in `parsed`", async () => {
    const r = await range('{service_name="checkout"} | json | status=`500`', {}, CATEGORIZE);
    expect(r.status).toBe(200);
    const values = r.body.data.result.flatMap((s: any) => s.values);
    expect(values).toHaveLength(1);
    expect(values[0][2].parsed).toMatchObject({ msg: "payment failed", status: "500", latency: "30ms" });
  });

  test("a structured metadata filter: {…} | user_id=`u1`", async () => {
    const r = await range('{service_name="checkout"} | user_id=`u1`');
    expect(r.body.data.result.flatMap((s: any) => s.values)).toHaveLength(2);
  });
});

describe("trace to logs", () => {
  test("Grafana's span query finds the lines of the trace, from metadata or the line", async () => {
    const query =
      '{service_name=~"checkout|billing"} | label_format log_line_contains_trace_id=`{{ contains "' + TRACE_ID + '" __line__  }}` | log_line_contains_trace_id="true" OR trace_id="' + TRACE_ID + '"';
    const r = await range(query, {}, CATEGORIZE);
    expect(r.status).toBe(200);
    const lines = r.body.data.result.flatMap((s: any) => s.values.map((v: any) => v[1])).sort();
    expect(lines).toEqual(['level=error msg="charge 1" amount=20', '{"msg":"payment failed","status":500,"latency":"30ms"}']);
    const withSpan = query + ' | label_format log_line_contains_span_id=`{{ contains "' + SPAN_ID + '" __line__  }}` | log_line_contains_span_id="true" OR span_id="' + SPAN_ID + '"';
    const bySpan = await range(withSpan);
    expect(bySpan.body.data.result.flatMap((s: any) => s.values)).toHaveLength(1);
  });
});

describe("live tail", () => {
  test("the WebSocket sends the entries since start, then new ones as they arrive", async () => {
    const params = new URLSearchParams({ query: '{service_name="billing"}', start: START, limit: "100" });
    const ws = new WebSocket(`ws://${router}/loki/api/v1/tail?${params}`);
    const messages: any[] = [];
    const arrived = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (messages.flatMap((m) => m.streams.flatMap((s: any) => s.values)).length >= n ? resolve() : undefined);
        ws.addEventListener("message", (e) => {
          messages.push(JSON.parse(String(e.data)));
          check();
        });
        ws.addEventListener("close", (e) => reject(new Error(`tail closed: ${e.code} ${e.reason}`)));
        check();
      });
    const first = arrived(3);
    await first;
    expect(messages[0].streams[0].stream).toMatchObject({ service_name: "billing", env: "prod" });
    const fresh = ns(Date.now() - 2000);
    expect((await pushJson(acceptor, { service_name: "billing", env: "prod" }, [{ ns: fresh, line: "level=info msg=live" }])).status).toBe(204);
    await arrived(4);
    const last = messages.at(-1).streams.flatMap((s: any) => s.values);
    expect(last.at(-1)).toEqual([String(fresh), "level=info msg=live"]);
    ws.close();
  });

  test("categorised messages with the encoding header; bad tail requests are refused before the upgrade", async () => {
    const params = new URLSearchParams({ query: '{service_name="billing"} | logfmt', start: START, limit: "2" });
    // Bun's WebSocket takes request headers, as Grafana's backend sends them.
    const ws = new WebSocket(`ws://${router}/loki/api/v1/tail?${params}`, { headers: CATEGORIZE } as unknown as string[]);
    const message = await new Promise<any>((resolve, reject) => {
      ws.addEventListener("message", (e) => resolve(JSON.parse(String(e.data))));
      ws.addEventListener("close", (e) => reject(new Error(`tail closed: ${e.code} ${e.reason}`)));
    });
    ws.close();
    expect(message.encodingFlags).toEqual(["categorize-labels"]);
    expect(message.streams[0].stream).toEqual({ env: "prod", service_name: "billing" });
    expect(message.streams[0].values[0][2].parsed).toMatchObject({ level: "info", msg: "charge 0", amount: "10" });
    const metric = await get("/loki/api/v1/tail", { query: 'count_over_time({service_name="billing"}[1m])' }, { upgrade: "websocket" });
    expect(metric.status).toBe(400);
    expect(metric.body).toContain("tail queries must be log queries");
    const delay = await get("/loki/api/v1/tail", { query: '{service_name="billing"}', delay_for: "6" }, { upgrade: "websocket" });
    expect(delay.body).toBe("delay_for can't be greater than 5");
  });
});

describe("Loki push", () => {
  test("tenancy: X-Scope-OrgID keeps a push to its org", async () => {
    const at = ns(BASE_MS + 50_000);
    expect((await pushJson(acceptor, { service_name: "private" }, [{ ns: at, line: "acme only" }], { "X-Scope-OrgID": "acme" })).status).toBe(204);
    const acme = await range('{service_name="private"}', {}, { "X-Scope-OrgID": "acme" });
    expect(acme.body.data.result.flatMap((s: any) => s.values)).toEqual([[String(at), "acme only"]]);
    expect((await range('{service_name="private"}')).body.data.result).toEqual([]);
  });

  test("a gzip-compressed JSON push", async () => {
    const at = ns(BASE_MS + 55_000);
    const body = Bun.gzipSync(JSON.stringify({ streams: [{ stream: { service_name: "zipped" }, values: [[String(at), "compressed line"]] }] }));
    const response = await fetch(`http://${acceptor}/loki/api/v1/push`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body });
    expect(response.status).toBe(204);
    expect((await range('{service_name="zipped"}')).body.data.result[0].values).toEqual([[String(at), "compressed line"]]);
  });

  test("bad bodies are plain-text 400s, an unknown content type 415", async () => {
    const post = (body: string | Uint8Array, type: string) => fetch(`http://${acceptor}/loki/api/v1/push`, { method: "POST", headers: { "content-type": type }, body });
    const notJson = await post("{", "application/json");
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toContain("not JSON");
    const badLabels = await pushProtobuf(acceptor, "{job=varlogs}", [{ ns: ns(BASE_MS), line: "x" }]);
    expect(badLabels.status).toBe(400);
    expect(await badLabels.text()).toContain("invalid stream labels");
    expect((await post(new Uint8Array([1, 2, 3]), "application/x-protobuf")).status).toBe(400);
    expect((await post("x", "text/plain")).status).toBe(415);
    const badTs = await pushJson(acceptor, { job: "x" }, [{ ns: -1n as unknown as bigint, line: "x" }]);
    expect(badTs.status).toBe(400);
  });
});

describe("errors in Loki's form", () => {
  test("a malformed query is a plain-text 400 naming the position", async () => {
    const r = await range('{service_name="checkout"} | json |');
    expect(r.status).toBe(400);
    expect(r.type).toContain("text/plain");
    expect(r.body).toMatch(/position \d+/);
  });

  test("an instant log query, a [1y] range, a limit past the maximum, a bad step", async () => {
    const instant = await get("/loki/api/v1/query", { query: '{service_name="checkout"}' });
    expect(instant.status).toBe(400);
    expect(instant.body).toBe("log queries are not supported as an instant query type, please change your query to a range query type");
    const year = await range('count_over_time({service_name="checkout"}[1y])', { step: "60" });
    expect(year.status).toBe(400);
    expect(year.body).toContain("[365d]");
    const limit = await range('{service_name="checkout"}', { limit: "100000000" });
    expect(limit.status).toBe(400);
    expect(limit.body).toContain("max entries limit per query exceeded");
    const step = await range('count_over_time({service_name="checkout"}[1m])', { step: "0" });
    expect(step.body).toBe("zero or negative query resolution step widths are not accepted. Try a positive integer");
    const selector = await range('{service_name=~".*"}');
    expect(selector.status).toBe(400);
  });
});
