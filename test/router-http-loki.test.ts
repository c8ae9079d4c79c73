/** The Loki subset of the router's HTTP API, against a test backend that returns Arrow tables. */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createTestApp, resultOf, tableOf } from "./helpers/router-test-backend.ts";
import { logLabelValuesSchema, logLabelsSchema, logsResultSchema } from "../shared/query/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const logsTable = () =>
  resultOf(logsResultSchema, {
    labels: ['{"service_name":"api","level":"error"}', '{"service_name":"db"}', '{"level":"error","service_name":"api"}'],
    time_unix_nano: [1_700_000_002_000_000_000n, 1_700_000_001_500_000_000n, 1_700_000_001_000_000_000n],
    line: ["third", "second", "first"],
  });

describe("GET /loki/api/v1/query_range", () => {
  test("answers Loki's streams shape, grouping rows by label set in backend order", async () => {
    const { app, backend } = createTestApp();
    backend.on("logs", logsTable());
    const res = await app.request(
      "/loki/api/v1/query_range?" +
        new URLSearchParams({ query: '{service_name="api"} |= "ir"', start: "1700000000", end: "1700000100", limit: "50", direction: "FORWARD" }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({
      status: "success",
      data: {
        resultType: "streams",
        result: [
          {
            stream: { service_name: "api", level: "error" },
            values: [
              ["1700000002000000000", "third"],
              ["1700000001000000000", "first"],
            ],
          },
          { stream: { service_name: "db" }, values: [["1700000001500000000", "second"]] },
        ],
        stats: {},
      },
    });
    expect(backend.lastTicket).toEqual({
      kind: "logs",
      org: "default",
      bucket: "default",
      startNs: "1700000000000000000",
      endNs: "1700000100000000000",
      query: '{service_name="api"} |= "ir"',
      limit: 50,
      direction: "forward",
    });
  });

  test("defaults: limit 100, backward, the last hour ending now", async () => {
    const { app, backend } = createTestApp();
    backend.on("logs", logsTable());
    const before = BigInt(Date.now()) * 1_000_000n;
    const res = await app.request("/loki/api/v1/query_range?query=" + encodeURIComponent('{a="b"}'));
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(res.status).toBe(200);
    const t = backend.lastTicket as { limit: number; direction: string; startNs: string; endNs: string };
    expect(t.limit).toBe(100);
    expect(t.direction).toBe("backward");
    const end = BigInt(t.endNs);
    expect(end >= before && end <= after).toBe(true);
    expect(end - BigInt(t.startNs)).toBe(3_600_000_000_000n);
  });

  test("start/end as ns, RFC3339 and decimal seconds; since", async () => {
    const { app, backend } = createTestApp();
    backend.on("logs", logsTable());
    const q = encodeURIComponent('{a="b"}');
    await app.request(`/loki/api/v1/query_range?query=${q}&start=1700000000123456789&end=2023-11-14T22:13:30.5Z`);
    expect(backend.lastTicket).toMatchObject({ startNs: "1700000000123456789", endNs: "1700000010500000000" });
    await app.request(`/loki/api/v1/query_range?query=${q}&start=1700000000.25&end=1700000001`);
    expect(backend.lastTicket).toMatchObject({ startNs: "1700000000250000000", endNs: "1700000001000000000" });
    await app.request(`/loki/api/v1/query_range?query=${q}&end=1700000000&since=5m`);
    expect(backend.lastTicket).toMatchObject({ startNs: "1699999700000000000", endNs: "1700000000000000000" });
    // Not a Prometheus duration, but a Go one: Loki takes it too.
    await app.request(`/loki/api/v1/query_range?query=${q}&end=1700000000&since=0.5h`);
    expect(backend.lastTicket).toMatchObject({ startNs: "1699998200000000000", endNs: "1700000000000000000" });
  });

  test("POST with a form body", async () => {
    const { app, backend } = createTestApp();
    backend.on("logs", logsTable());
    const res = await app.request("/loki/api/v1/query_range", {
      method: "POST",
      body: new URLSearchParams({ query: '{service_name="db"}', limit: "7", start: "1700000000", end: "1700000001" }),
    });
    expect(res.status).toBe(200);
    expect(backend.lastTicket).toMatchObject({ kind: "logs", query: '{service_name="db"}', limit: 7 });
  });

  test.each([
    ["", 'invalid parameter "query": query is required'],
    ["query=" + encodeURIComponent('{a="b"}') + "&limit=abc", 'invalid parameter "limit": expected a positive whole number, got "abc"'],
    ["query=" + encodeURIComponent('{a="b"}') + "&limit=20000", 'invalid parameter "limit": must be at most 10000, got 20000'],
    ["query=" + encodeURIComponent('{a="b"}') + "&direction=sideways", 'invalid parameter "direction": expected forward or backward'],
    ["query=" + encodeURIComponent('{a="b"}') + "&start=yesterday", 'invalid parameter "start": expected unix nanoseconds, unix seconds or an RFC3339 time, got "yesterday"'],
    ["query=" + encodeURIComponent('{a="b"}') + "&since=soon", 'invalid parameter "since": expected a duration such as "1h" or "30m", got "soon"'],
    ["query=" + encodeURIComponent('{a="b"}') + "&start=1700000100&end=1700000000", "invalid time range: start must not be after end"],
  ])("400 for %p", async (qs, message) => {
    const { app, backend } = createTestApp();
    backend.on("logs", logsTable());
    const res = await app.request(`/loki/api/v1/query_range?${qs}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: message, status: 400 });
    expect(backend.tickets).toHaveLength(0);
  });

  test("a LogQL syntax error is a 400 naming the position, before any query runs", async () => {
    const { app, backend } = createTestApp();
    const res = await app.request("/loki/api/v1/query_range?query=" + encodeURIComponent('{a="b"'));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; status: number };
    expect(body.status).toBe(400);
    expect(body.error).toMatch(/^LogQL: .* at position \d+/);
    expect(backend.tickets).toHaveLength(0);
  });

  test("a backend result without the contract's columns is a 502", async () => {
    const { app, backend, logLines } = createTestApp();
    backend.on("logs", tableOf({ line: ["utf8", ["x"]] }));
    const res = await app.request("/loki/api/v1/query_range?query=" + encodeURIComponent('{a="b"}'));
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: 'query backend returned no "labels" column (has: line)', status: 502 });
    expect(logLines.some((l) => l.includes("http.request_failed"))).toBe(true);
  });
});

describe("labels", () => {
  test("GET /loki/api/v1/labels: sorted distinct names, default range 6h", async () => {
    const { app, backend } = createTestApp();
    backend.on("log_labels", resultOf(logLabelsSchema, { name: ["service_name", "level", "service_name"] }));
    const res = await app.request("/loki/api/v1/labels?end=1700000000");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "success", data: ["level", "service_name"] });
    expect(backend.lastTicket).toEqual({
      kind: "log_labels",
      org: "default",
      bucket: "default",
      startNs: String(1_700_000_000_000_000_000n - 6n * 3_600_000_000_000n),
      endNs: "1700000000000000000",
    });
  });

  test("GET /loki/api/v1/label/:name/values", async () => {
    const { app, backend } = createTestApp();
    backend.on("log_label_values", resultOf(logLabelValuesSchema, { value: ["db", "api"] }));
    const res = await app.request("/loki/api/v1/label/service_name/values?start=1700000000&end=1700000060", {
      headers: { "X-Scope-OrgID": "acme", "X-Signalbox-Bucket": "prod" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "success", data: ["api", "db"] });
    expect(backend.lastTicket).toEqual({
      kind: "log_label_values",
      org: "acme",
      bucket: "prod",
      name: "service_name",
      startNs: "1700000000000000000",
      endNs: "1700000060000000000",
    });
  });
});
