/**
 * Grafana's Prometheus data source against /prometheus, over real evaluation (the querier's
 * engine on OTLP and remote write data): the flows Grafana runs, answered in Prometheus's
 * shapes, and bad input answered with Prometheus's error classes and status codes.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import type { Hono } from "hono";
import { validate } from "../shared/config/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { QueryEngine, type QuerySources } from "../services/querier/engine/index.ts";
import { createRouterApp } from "../services/router/http/app.ts";
import type { RouterEnv } from "../services/router/http/env.ts";
import { EngineBackend } from "./helpers/engine-backend.ts";
import { otlpMetricsBatch, remoteWriteBatch } from "./helpers/metrics-fixtures.ts";
import { quietLog } from "./helpers/query-engine.ts";
import { tempDir, writeParquet } from "./helpers/query-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T = 1_700_000_000_000;
const STEPS = Array.from({ length: 41 }, (_, i) => T + i * 15_000);
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

let engine: QueryEngine;
let limited: QueryEngine;
let app: Hono<RouterEnv>;
let limitedApp: Hono<RouterEnv>;
let cleanup: () => void;

function appOver(on: QueryEngine, sources: QuerySources) {
  return createRouterApp({
    backend: new EngineBackend(on, sources),
    log: createLogger({ level: "error", sink: () => {} }),
    config: { query: { timeout: 10_000, max_result_rows: 10_000 }, auth: { tokens: [] }, limits: validate({}).limits },
  });
}

beforeAll(async () => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  const otlp = otlpMetricsBatch({ "service.name": "checkout", "service.instance.id": "c1" }, [
    {
      name: "http.server.request.duration", unit: "s", description: "Duration of HTTP server requests.", kind: "histogram",
      points: STEPS.map((t, i) => ({
        timeMs: t, attrs: { "http.route": "/cart" }, bounds: [0.1, 0.5, 1], counts: [i, 2 * i, i, 0], sum: 0.4 * i,
        ...(i === 20 ? { exemplar: { value: 0.42, timeMs: t - 2000, traceId: TRACE, spanId: "00f067aa0ba902b7" } } : {}),
      })),
    },
  ]);
  const rw = remoteWriteBatch(
    ["a", "b"].map((instance, k) => ({
      labels: { __name__: "requests_total", job: "web", instance },
      samples: STEPS.map((t, i) => ({ value: (k + 1) * i * 30, timestampMs: t })),
    })),
    [{ type: "counter", family: "requests_total", help: "Requests served." }],
  );
  const sources = { files: [await writeParquet(tmp.dir, "metrics", [otlp])], live: [rw] };
  engine = await QueryEngine.open({ log: quietLog() });
  limited = await QueryEngine.open({ log: quietLog(), maxSamples: 20 });
  app = appOver(engine, sources);
  limitedApp = appOver(limited, sources);
});
afterAll(async () => {
  await engine.close();
  await limited.close();
  cleanup();
});

const get = async (path: string, on = app) => {
  const res = await on.request(`/prometheus/api/v1${path}`);
  return { status: res.status, body: (await res.json()) as any };
};
const form = async (path: string, params: Record<string, string>, on = app) => {
  const res = await on.request(`/prometheus/api/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as any };
};
const sec = (ms: number) => String(ms / 1000);

describe("Grafana's flows", () => {
  test("health check: 1+1 as an instant query", async () => {
    const { status, body } = await form("/query", { query: "1+1", time: sec(T) });
    expect(status).toBe(200);
    expect(body).toEqual({ status: "success", data: { resultType: "scalar", result: [T / 1000, "2"] } });
  });

  test("metric browser: label names, metric names, values under match[], series, metadata", async () => {
    const range = `start=${sec(T)}&end=${sec(T + 600_000)}`;
    const labels = await get(`/labels?${range}`);
    expect(labels.body).toEqual({ status: "success", data: ["__name__", "http_route", "instance", "job", "le"] });
    const names = await get(`/label/__name__/values?${range}`);
    expect(names.body.data).toEqual([
      "http_server_request_duration_seconds_bucket", "http_server_request_duration_seconds_count", "http_server_request_duration_seconds_sum", "requests_total",
    ]);
    const instances = await get(`/label/instance/values?${range}&match[]=${encodeURIComponent('requests_total{job="web"}')}`);
    expect(instances.body.data).toEqual(["a", "b"]);
    const series = await form("/series", { "match[]": "requests_total", start: sec(T), end: sec(T + 600_000) });
    expect(series.body).toEqual({
      status: "success",
      data: [{ __name__: "requests_total", instance: "a", job: "web" }, { __name__: "requests_total", instance: "b", job: "web" }],
    });
    const limitedSeries = await get(`/series?match[]=requests_total&limit=1`);
    expect(limitedSeries.body.data).toHaveLength(1);
    expect(limitedSeries.body.warnings).toEqual(["results truncated due to limit"]);
    const metadata = await get("/metadata");
    expect(metadata.body.data).toEqual({
      http_server_request_duration_seconds: [{ type: "histogram", help: "Duration of HTTP server requests.", unit: "seconds" }],
      requests_total: [{ type: "counter", help: "Requests served.", unit: "" }],
    });
  });

  test("range query with $__rate_interval-style windows (GET and form POST alike)", async () => {
    const params = { query: "sum by (job) (rate(requests_total[1m0s]))", start: sec(T + 120_000), end: sec(T + 240_000), step: "60" };
    const posted = await form("/query_range", params);
    expect(posted.status).toBe(200);
    expect(posted.body.data.resultType).toBe("matrix");
    // Instance a grows 30 / 15 s, b 60 / 15 s: 6 per second together.
    expect(posted.body.data.result).toEqual([{ metric: { job: "web" }, values: [[(T + 120_000) / 1000, "6"], [(T + 180_000) / 1000, "6"], [(T + 240_000) / 1000, "6"]] }]);
    const fetched = await get(`/query_range?${new URLSearchParams(params)}`);
    expect(fetched.body).toEqual(posted.body);
  });

  test("histogram_quantile over OTLP classic buckets, and its exemplars", async () => {
    const q = await form("/query", { query: "histogram_quantile(0.5, sum by (le) (rate(http_server_request_duration_seconds_bucket[5m])))", time: sec(T + 600_000) });
    expect(q.body.data.result).toHaveLength(1);
    expect(Number(q.body.data.result[0].value[1])).toBeCloseTo(0.3, 9);
    const ex = await get(`/query_exemplars?query=${encodeURIComponent("http_server_request_duration_seconds_bucket")}&start=${sec(T)}&end=${sec(T + 600_000)}`);
    expect(ex.body).toEqual({
      status: "success",
      data: [{
        seriesLabels: { __name__: "http_server_request_duration_seconds_bucket", http_route: "/cart", instance: "c1", job: "checkout", le: "0.5" },
        exemplars: [{ labels: { trace_id: TRACE, span_id: "00f067aa0ba902b7" }, value: "0.42", timestamp: (T + 20 * 15_000 - 2000) / 1000 }],
      }],
    });
  });

  test("buildinfo and format_query", async () => {
    const info = await get("/status/buildinfo");
    expect(info.body.status).toBe("success");
    expect(info.body.data.version).toMatch(/^\d+\.\d+\.\d+$/);
    const formatted = await get(`/format_query?query=${encodeURIComponent("sum(rate(x{a='b'}[5m])) by (job)")}`);
    expect(formatted.body).toEqual({ status: "success", data: 'sum by (job) (rate(x{a="b"}[5m]))' });
  });
});

describe("bad input", () => {
  test("malformed PromQL → 400 bad_data naming the position", async () => {
    const { status, body } = await get(`/query?query=${encodeURIComponent("sum(rate(x[5m])")}`);
    expect(status).toBe(400);
    expect(body.status).toBe("error");
    expect(body.errorType).toBe("bad_data");
    expect(body.error).toMatch(/^1:\d+: parse error/);
  });

  test("over query.max_samples → 422 execution", async () => {
    const { status, body } = await form("/query_range", { query: "requests_total", start: sec(T), end: sec(T + 600_000), step: "15" }, limitedApp);
    expect(status).toBe(422);
    expect(body).toMatchObject({ status: "error", errorType: "execution" });
  });

  test("past the timeout → 503 timeout", async () => {
    const { status, body } = await form("/query_range", { query: "sum(rate(requests_total[5m]))", start: sec(T), end: sec(T + 600_000), step: "1", timeout: "1ms" });
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "error", errorType: "timeout" });
  });

  test("range query parameters: missing step, bad time, too many points, end before start", async () => {
    expect((await get(`/query_range?query=up&start=1&end=2`)).body.errorType).toBe("bad_data");
    expect((await get(`/query_range?query=up&start=yesterday&end=2&step=1`)).body.error).toContain('invalid parameter "start"');
    expect((await get(`/query_range?query=up&start=0&end=100000&step=1`)).body.error).toContain("11,000 points");
    expect((await get(`/query_range?query=up&start=10&end=5&step=1`)).status).toBe(400);
    expect((await get(`/series`)).body.error).toBe("no match[] parameter provided");
  });
});
