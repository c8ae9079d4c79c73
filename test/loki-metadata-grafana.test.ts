/**
 * Grafana's calls to Loki's metadata API replayed over HTTP against one running cluster (a
 * monolith process fed through OTLP/HTTP, half of it flushed to Parquet), each answered in
 * Loki's shape:
 * - the Loki data source's label browser and query helpers (LanguageProvider: `labels`,
 *   `label/{name}/values` with and without `query=`, `series` with `match[]`, `index/stats`
 *   per stream selector for the query size, `detected_labels`, `detected_fields`,
 *   `detected_field/{name}/values`), times in ns as Grafana sends them;
 * - the Logs Drilldown app's landing page and service view (`index/volume` of
 *   `{service_name=~".+"}` with limit 5000, `detected_labels` with an empty query,
 *   `detected_fields`, `index/volume_range`), times in RFC 3339 as it sends them;
 * - `patterns` (the Drilldown Patterns tab);
 * - `status/buildinfo`, `format_query`, and errors in Loki's form (plain text, 400).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { FlightClient } from "../shared/flight/index.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const dir = tempDir("loki-meta");
let cluster: RoleProcess;
let router: string;

const NOW_MS = Date.now();
const MS_NS = 1_000_000n;
const nsAgo = (seconds: number) => String((BigInt(NOW_MS) - BigInt(seconds * 1000)) * MS_NS);
/** Grafana's `getTimeRangeParams`: the last hour in ns. */
const range = { start: nsAgo(3600), end: nsAgo(-1) };
/** Drilldown's `request.range.from.utc().toISOString()`. */
const isoRange = { start: new Date(NOW_MS - 3_600_000).toISOString(), end: new Date(NOW_MS + 1000).toISOString() };

const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
const CHECKOUT_LINES = [
  { level: "INFO", body: '{"status":200,"latency":"12ms","user":{"id":"u1"}}', method: "GET" },
  { level: "ERROR", body: '{"status":500,"latency":"1.5s","user":{"id":"u2"}}', method: "POST" },
  { level: "INFO", body: '{"status":200,"latency":"30ms","user":{"id":"u3"}}', method: "GET" },
];
/** A line's bytes as the index endpoints count them: its text as JSON escapes it (ASCII here). */
const storedBytes = (line: string) => JSON.stringify(line).length - 2;
const PAYMENT_LINES = ['level=info msg="charged" amount=12.5 took=20ms', 'level=warn msg="slow provider" amount=99 took=2s'];

function resourceLogs(service: string, pod: string, records: Array<{ body: string; level?: string; attributes?: unknown[] }>, secondsAgo: number) {
  return {
    resource: { attributes: [attr("service.name", service), attr("deployment.environment", "production"), attr("k8s.pod.name", pod), attr("host.name", "node-1")] },
    scopeLogs: [
      {
        scope: { name: "app" },
        logRecords: records.map((r, i) => ({
          timeUnixNano: nsAgo(secondsAgo - i),
          severityText: r.level ?? "",
          body: { stringValue: r.body },
          attributes: r.attributes ?? [],
        })),
      },
    ],
  };
}

async function send(resourceLogsList: unknown[]): Promise<void> {
  const acceptor = cluster.addresses["acceptor.http"]!;
  const response = await fetch(`http://${acceptor}/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ resourceLogs: resourceLogsList }),
  });
  expect(response.status).toBe(200);
}

async function get(path: string, params: Record<string, string | string[]> = {}) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const value of Array.isArray(v) ? v : [v]) search.append(k, value);
  const response = await fetch(`http://${router}/loki/api/v1/${path}?${search}`);
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

beforeAll(async () => {
  cluster = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: join(dir, "data"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
  router = cluster.addresses["router.http"]!;
  const checkout = CHECKOUT_LINES.map((l) => ({ body: l.body, level: l.level, attributes: [attr("http.method", l.method)] }));
  await send([resourceLogs("checkout", "checkout-1", checkout.slice(0, 2), 600), resourceLogs("payment", "payment-1", PAYMENT_LINES.map((body) => ({ body })), 300)]);
  // Half of it in Parquet, so both storage paths answer.
  await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
  await send([resourceLogs("checkout", "checkout-2", checkout.slice(2), 120)]);
}, 90_000); // a monolith start, two exports and a flush, on a loaded machine

afterAll(async () => {
  await cluster?.kill();
});

describe("Grafana's Loki data source: label browser and query helpers", () => {
  test("labels, and label values, with and without query=", async () => {
    expect(await get("labels", range)).toEqual({
      status: 200,
      body: { status: "success", data: ["deployment_environment", "k8s_pod_name", "service_name"] },
    });
    expect((await get("label/service_name/values", range)).body).toEqual({ status: "success", data: ["checkout", "payment"] });
    expect((await get("label/k8s_pod_name/values", { ...range, query: '{service_name="checkout"}' })).body.data).toEqual(["checkout-1", "checkout-2"]);
    expect((await get("labels", { ...range, query: '{k8s_pod_name="payment-1"}' })).body.data).toEqual(["deployment_environment", "k8s_pod_name", "service_name"]);
    expect((await get("label/k8s_pod_name/values", { ...range, query: '{service_name="nope"}' })).body).toEqual({ status: "success", data: [] });
  });

  test("series with match[]", async () => {
    const { status, body } = await get("series", { ...range, "match[]": ['{service_name="checkout"}'] });
    expect(status).toBe(200);
    expect(body).toEqual({
      status: "success",
      data: [
        { deployment_environment: "production", k8s_pod_name: "checkout-1", service_name: "checkout" },
        { deployment_environment: "production", k8s_pod_name: "checkout-2", service_name: "checkout" },
      ],
    });
    const both = await get("series", { ...range, "match[]": ['{k8s_pod_name="checkout-2"}', '{service_name="payment"}'] });
    expect(both.body.data.map((s: Record<string, string>) => s.k8s_pod_name)).toEqual(["checkout-2", "payment-1"]);
  });

  test("index/stats per stream selector (the query-size hint)", async () => {
    const bytes = CHECKOUT_LINES.reduce((n, l) => n + storedBytes(l.body), 0);
    expect((await get("index/stats", { ...range, query: '{service_name="checkout"}' })).body).toEqual({ streams: 2, chunks: 2, bytes, entries: 3 });
  });

  test("detected fields of a query, and one field's values", async () => {
    const { body } = await get("detected_fields", { ...range, query: '{service_name="checkout"}', limit: "1000" });
    const byLabel = Object.fromEntries(body.fields.map((f: { label: string }) => [f.label, f]));
    expect(body.limit).toBe(1000);
    expect(byLabel.status).toEqual({ label: "status", type: "int", cardinality: 2, parsers: ["json"], jsonPath: ["status"] });
    expect(byLabel.latency).toEqual({ label: "latency", type: "duration", cardinality: 3, parsers: ["json"], jsonPath: ["latency"] });
    expect(byLabel.user_id).toMatchObject({ type: "string", cardinality: 3, jsonPath: ["user", "id"] });
    expect(byLabel.http_method).toEqual({ label: "http_method", type: "string", cardinality: 2, parsers: null });
    expect((await get("detected_field/status/values", { ...range, query: '{service_name="checkout"}' })).body).toEqual({ values: ["200", "500"], limit: 1000 });
    const logfmt = await get("detected_fields", { ...range, query: '{service_name="payment"} |= "slow"' });
    expect(logfmt.body.fields.find((f: { label: string }) => f.label === "took")).toEqual({ label: "took", type: "duration", cardinality: 1, parsers: ["logfmt"] });
  });
});

describe("the Logs Drilldown app: landing page and service view", () => {
  test("index/volume of every service, largest first", async () => {
    const { status, body } = await get("index/volume", { ...isoRange, query: '{service_name=~".+"}', limit: "5000" });
    expect(status).toBe(200);
    expect(body.status).toBe("success");
    expect(body.data.resultType).toBe("vector");
    const checkoutBytes = CHECKOUT_LINES.reduce((n, l) => n + storedBytes(l.body), 0);
    const paymentBytes = PAYMENT_LINES.reduce((n, l) => n + storedBytes(l), 0);
    expect(body.data.result.map((r: { metric: unknown; value: [number, string] }) => [r.metric, r.value[1]])).toEqual([
      [{ service_name: "checkout" }, String(checkoutBytes)],
      [{ service_name: "payment" }, String(paymentBytes)],
    ]);
    expect(typeof body.data.result[0].value[0]).toBe("number");
  });

  test("detected_labels with an empty query, then of one service", async () => {
    expect((await get("detected_labels", { ...isoRange, query: "" })).body).toEqual({
      detectedLabels: [
        { label: "deployment_environment", cardinality: 1 },
        { label: "k8s_pod_name", cardinality: 3 },
        { label: "service_name", cardinality: 2 },
      ],
    });
    const one = await get("detected_labels", { ...isoRange, query: '{service_name="checkout"}' });
    expect(one.body.detectedLabels.find((l: { label: string }) => l.label === "k8s_pod_name")).toEqual({ label: "k8s_pod_name", cardinality: 2 });
  });

  test("volume_range by target label: a matrix of step buckets", async () => {
    const { body } = await get("index/volume_range", { ...isoRange, query: '{service_name="checkout"}', targetLabels: "k8s_pod_name", step: "1" });
    expect(body.status).toBe("success");
    expect(body.data.resultType).toBe("matrix");
    const [first, second] = body.data.result as Array<{ metric: unknown; values: Array<[number, string]> }>;
    expect([first!.metric, second!.metric]).toEqual([{ k8s_pod_name: "checkout-1" }, { k8s_pod_name: "checkout-2" }]);
    // checkout-1's two lines are a second apart: two buckets, each stamped 1 ms before the next.
    expect(first!.values.map((v) => v[1])).toEqual([String(storedBytes(CHECKOUT_LINES[0]!.body)), String(storedBytes(CHECKOUT_LINES[1]!.body))]);
    expect(Math.round((first!.values[1]![0] - first!.values[0]![0]) * 1000)).toBe(1000);
    // With one bucket per series, Loki answers a vector.
    const coarse = await get("index/volume_range", { ...isoRange, query: '{service_name="checkout"}', targetLabels: "k8s_pod_name", step: "3600" });
    expect(coarse.body.data.resultType).toBe("vector");
    const labels = await get("index/volume", { ...isoRange, query: '{service_name="checkout"}', aggregateBy: "labels" });
    expect(labels.body.data.result.map((r: { metric: unknown }) => r.metric)).toEqual([
      { deployment_environment: "" },
      { k8s_pod_name: "" },
      { service_name: "" },
    ]);
  });
});

describe("patterns (the Drilldown Patterns tab)", () => {
  test("Drain patterns per detected level, counted per step", async () => {
    const { status, body } = await get("patterns", { ...isoRange, query: '{service_name="checkout"}', step: "1m" });
    expect(status).toBe(200);
    expect(body.status).toBe("success");
    const info = body.data.find((p: { level: string }) => p.level === "info");
    expect(info.pattern).toBe('{"status":200,"latency":"<_>","user":{"id":"<_>"}}');
    expect(info.samples.reduce((n: number, s: [number, number]) => n + s[1], 0)).toBe(2);
    for (const [t] of info.samples) expect(t % 60).toBe(0);
    expect(body.data.find((p: { level: string }) => p.level === "error").pattern).toBe(CHECKOUT_LINES[1]!.body);
  });
});

describe("status and errors", () => {
  test("buildinfo names a Loki version", async () => {
    const res = await fetch(`http://${router}/loki/api/v1/status/buildinfo`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: "3.5.0", revision: expect.any(String), goVersion: expect.any(String) });
  });

  test("format_query prints a query in Loki's canonical form", async () => {
    const query = 'sum by (level) (count_over_time({service_name="payment",env=~"prod|dev"} |= "err" | logfmt | took > 1s [1m]))';
    expect((await get("format_query", { query })).body).toEqual({
      status: "success",
      data: 'sum by (level)(count_over_time({service_name="payment", env=~"prod|dev"} |= "err" | logfmt | took>1s[1m]))',
    });
  });

  test("bad parameters and selectors are 400s naming what is wrong", async () => {
    const bad = async (path: string, params: Record<string, string>, pattern: RegExp) => {
      const { status, body } = await get(path, { ...range, ...params });
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(JSON.stringify(body)).toMatch(pattern);
    };
    await bad("labels", { query: '{service_name="x"' }, /position/);
    await bad("series", { "match[]": '{a="b"} |= "x"' }, /only a stream selector/);
    await bad("index/volume", { query: "{}", aggregateBy: "bogus" }, /invalid aggregation option/);
    await bad("index/volume_range", { query: "{}", step: "0.001" }, /11,000 points/);
    await bad("index/stats", {}, /query/);
    await bad("detected_fields", { query: 'rate({a="b"}[1m])' }, /log query/);
    await bad("detected_labels", { start: "yesterday" }, /start/);
    await bad("format_query", { query: "sum(" }, /position/);
  });
});
