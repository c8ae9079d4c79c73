/** SQL, operations, tenancy/auth, deadlines and error handling of the router's HTTP API. */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { Bool, Float64, Table, Utf8, makeVector, vectorFromArray } from "apache-arrow";
import { QueryError } from "../shared/query/index.ts";
import { FlightError } from "../shared/flight/errors.ts";
import { QueryBackendError } from "../services/router/http/index.ts";
import { createTestApp, resultOf } from "./helpers/router-test-backend.ts";
import { tagNamesSchema } from "../shared/query/index.ts";
import { MetricsRegistry } from "../shared/metrics/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const TOKENS = [
  { token: "query-token-acme", org: "acme", scopes: ["query" as const] },
  { token: "ingest-only-token", org: "acme", scopes: ["ingest" as const] },
  { token: "admin-token-acme", org: "acme", scopes: ["admin" as const, "query" as const] },
];

describe("POST /api/v1/sql", () => {
  const result = () =>
    new Table({
      service: vectorFromArray(["api", "db"], new Utf8()),
      spans: makeVector(BigInt64Array.from([42n, 9_007_199_254_740_993n])),
      ratio: vectorFromArray([0.5, 1.25], new Float64()),
      ok: vectorFromArray([true, false], new Bool()),
    });

  test("JSON body → columns with Arrow types and rows; unsafe int64 as strings", async () => {
    const { app, backend } = createTestApp();
    backend.on("sql", result());
    const res = await app.request("/api/v1/sql", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Scope-OrgID": "acme" },
      body: JSON.stringify({ sql: "SELECT service, count(*) FROM traces GROUP BY 1" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      columns: [
        { name: "service", type: "Utf8" },
        { name: "spans", type: "Int64" },
        { name: "ratio", type: "Float64" },
        { name: "ok", type: "Bool" },
      ],
      rows: [
        ["api", 42, 0.5, true],
        ["db", "9007199254740993", 1.25, false],
      ],
      truncated: false,
    });
    expect(backend.lastTicket).toEqual({
      kind: "sql",
      org: "acme",
      bucket: "default",
      sql: "SELECT service, count(*) FROM traces GROUP BY 1",
      maxRows: 10_000,
    });
  });

  test("text/plain body and maxRows", async () => {
    const { app, backend } = createTestApp();
    backend.on("sql", result());
    const res = await app.request("/api/v1/sql", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "SELECT 1" });
    expect(res.status).toBe(200);
    expect(backend.lastTicket).toMatchObject({ sql: "SELECT 1", maxRows: 10_000 });
    await app.request("/api/v1/sql", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"sql":"SELECT 2","maxRows":5}' });
    expect(backend.lastTicket).toMatchObject({ sql: "SELECT 2", maxRows: 5 });
  });

  test.each([
    ['{"sql":"SELECT 3"}', "SELECT 3"],
    ["sql=SELECT%204", "SELECT 4"],
  ])("curl's default form type: %p → %p", async (body, sql) => {
    const { app, backend } = createTestApp();
    await app.request("/api/v1/sql", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
    expect(backend.lastTicket).toMatchObject({ kind: "sql", sql });
  });

  test.each([
    ["application/json", "{not json", 400, 'request body is not valid JSON: send application/json {"sql": "..."} or the statement as text/plain'],
    ["application/json", '"SELECT 1"', 400, 'request body is JSON but not an object: send application/json {"sql": "..."} or the statement as text/plain'],
    // curl -d 'SELECT 1': neither JSON nor a form with an sql field — say so, not "sql must not be empty".
    ["application/x-www-form-urlencoded", "SELECT 1", 400, 'request body is not valid JSON: send application/json {"sql": "..."} or the statement as text/plain'],
    ["application/json", "{}", 400, 'invalid parameter "sql": expected a string'],
    ["application/json", '{"sql":"   "}', 400, 'invalid parameter "sql": must not be empty'],
    ["application/json", '{"sql":"SELECT 1","maxRows":0}', 400, 'invalid parameter "maxRows": must be at least 1'],
    ["application/json", '{"sql":"SELECT 1","maxRows":99999}', 400, 'invalid parameter "maxRows": must be at most 10000 (query.max_result_rows)'],
    ["text/plain", "", 400, 'invalid parameter "sql": must not be empty'],
    ["application/xml", "<sql/>", 415, 'unsupported Content-Type "application/xml": send application/json {"sql": "..."} or text/plain'],
  ])("%s %p → %d", async (type, body, status, error) => {
    const { app, backend } = createTestApp();
    const res = await app.request("/api/v1/sql", { method: "POST", headers: { "Content-Type": type }, body });
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error, status });
    expect(backend.tickets).toHaveLength(0);
  });

  test("a result cut at the row limit says so", async () => {
    const { app, backend } = createTestApp();
    const cut = result();
    cut.schema.metadata.set("signalbox.truncated", "true");
    backend.on("sql", cut);
    const res = await app.request("/api/v1/sql", { method: "POST", body: "SELECT * FROM traces" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { truncated: boolean }).truncated).toBe(true);
  });

  test("a body over 1 MiB is refused with 413 while it is read, with or without a length", async () => {
    const { app, backend } = createTestApp();
    let sent = 0;
    // 64 MiB offered in 64 KiB chunks and no Content-Length: only the first MiB may be read.
    const chunk = new TextEncoder().encode("-".repeat(64 * 1024));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 64 * 1024 * 1024) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await app.request("/api/v1/sql", { method: "POST", headers: { "Content-Type": "text/plain" }, body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "request body exceeds the limit of 1048576 bytes", status: 413 });
    expect(sent).toBeLessThan(2 * 1024 * 1024);
    const declared = await app.request("/api/v1/sql", {
      method: "POST",
      headers: { "Content-Type": "text/plain", "Content-Length": String(5 * 1024 * 1024) },
      body: "SELECT 1",
    });
    expect(declared.status).toBe(413);
    expect(backend.tickets).toHaveLength(0);
  });

  test("the querier's refusal (e.g. a write statement) keeps its status", async () => {
    const { app, backend } = createTestApp();
    backend.on("sql", () => {
      throw new QueryError("INVALID_ARGUMENT", "only read-only SELECT statements are allowed");
    });
    const res = await app.request("/api/v1/sql", { method: "POST", body: "DROP TABLE traces" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "only read-only SELECT statements are allowed", status: 400 });
  });
});

describe("operations", () => {
  test("/healthz", async () => {
    const { app } = createTestApp();
    const res = await app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("/ready: 200 when ready (degraded flag passed through), 503 with detail when not", async () => {
    const { app, backend } = createTestApp();
    backend.readiness = { ready: true, degraded: true, detail: { catalog: "unreachable" } };
    let res = await app.request("/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, degraded: true, detail: { catalog: "unreachable" } });
    backend.readiness = { ready: false, degraded: false, detail: { queriers: 0 } };
    res = await app.request("/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, degraded: false, detail: { queriers: 0 } });
    backend.readiness = { ready: true, degraded: false };
    res = await app.request("/ready");
    expect(await res.json()).toEqual({ ready: true, degraded: false });
  });

  test("/metrics: request counts by route pattern and status, latency, and the role's other series", async () => {
    const metrics = new MetricsRegistry();
    metrics.gauge("signalbox_router_queriers", "queriers the router can reach").set(2);
    const { app, backend } = createTestApp({ metrics });
    backend.on("tag_names", resultOf(tagNamesSchema, { scope: [], name: [] }));
    await app.request("/api/search/tags");
    await app.request("/api/traces/zz");
    await app.request("/nowhere");
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain('signalbox_router_http_requests_total{method="GET",route="/api/search/tags",status="200"} 1');
    expect(text).toContain('signalbox_router_http_requests_total{method="GET",route="/api/traces/:id",status="400"} 1');
    expect(text).toContain('signalbox_router_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('signalbox_router_http_request_duration_seconds_count{method="GET",route="/api/search/tags"} 1');
    expect(text).toContain("\nsignalbox_router_queriers 2\n");
  });

  test("/api/v1/topology returns the backend's JSON", async () => {
    const { app, backend } = createTestApp();
    backend.topologyValue = { instances: [{ id: "q1", role: "querier" }], shards: [{ id: 0, replicas: ["w1"] }] };
    const res = await app.request("/api/v1/topology");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(backend.topologyValue as object);
  });

  test("unknown route → 404 JSON", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/nothing/here");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no route GET /api/nothing/here", status: 404 });
  });
});

describe("tenancy and auth", () => {
  const tagNames = resultOf(tagNamesSchema, { scope: ["span"], name: ["http.method"] });

  test("org and bucket from headers, defaults otherwise", async () => {
    const { app, backend } = createTestApp();
    backend.on("tag_names", tagNames);
    await app.request("/api/search/tags");
    expect(backend.lastTicket).toMatchObject({ org: "default", bucket: "default" });
    await app.request("/api/search/tags", { headers: { "X-Scope-OrgID": "acme", "X-Signalbox-Bucket": "prod.eu-1" } });
    expect(backend.lastTicket).toMatchObject({ org: "acme", bucket: "prod.eu-1" });
  });

  test.each([
    [{ "X-Scope-OrgID": "../etc" }, /^invalid X-Scope-OrgID "..\/etc"/],
    [{ "X-Scope-OrgID": "-lead" }, /^invalid X-Scope-OrgID/],
    [{ "X-Signalbox-Bucket": "a/b" }, /^invalid X-Signalbox-Bucket "a\/b"/],
    [{ "X-Signalbox-Bucket": "x".repeat(129) }, /^invalid X-Signalbox-Bucket/],
  ])("400 for invalid names %p", async (headers, message) => {
    const { app, backend } = createTestApp();
    backend.on("tag_names", tagNames);
    const res = await app.request("/api/search/tags", { headers });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; status: number };
    expect(body.status).toBe(400);
    expect(body.error).toMatch(message);
    expect(backend.tickets).toHaveLength(0);
  });

  test("with tokens configured: 401 without or with an unknown token", async () => {
    const { app, backend } = createTestApp({ tokens: TOKENS });
    backend.on("tag_names", tagNames);
    let res = await app.request("/api/search/tags");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(await res.json()).toEqual({ error: "missing bearer token (Authorization: Bearer <token>)", status: 401 });
    res = await app.request("/api/search/tags", { headers: { Authorization: "Bearer not-a-known-token" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "unknown bearer token", status: 401 });
    expect(backend.tickets).toHaveLength(0);
  });

  test("the token's org wins; another X-Scope-OrgID is 403; a token without the query scope is 403", async () => {
    const { app, backend } = createTestApp({ tokens: TOKENS });
    backend.on("tag_names", tagNames);
    let res = await app.request("/api/search/tags", { headers: { Authorization: "Bearer query-token-acme" } });
    expect(res.status).toBe(200);
    expect(backend.lastTicket).toMatchObject({ org: "acme" });
    res = await app.request("/api/search/tags", { headers: { Authorization: "Bearer query-token-acme", "X-Scope-OrgID": "acme" } });
    expect(res.status).toBe(200);
    res = await app.request("/api/search/tags", { headers: { Authorization: "Bearer query-token-acme", "X-Scope-OrgID": "other" } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'token is not valid for org "other"', status: 403 });
    res = await app.request("/api/search/tags", { headers: { Authorization: "Bearer ingest-only-token" } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'token lacks the "query" scope', status: 403 });
    expect(backend.tickets).toHaveLength(2); // the two allowed requests only
  });

  test("every query endpoint is guarded; echo, buildinfo and ops are open", async () => {
    const { app } = createTestApp({ tokens: TOKENS });
    const guarded: Array<[string, RequestInit?]> = [
      ["/api/traces/0123"],
      ["/api/v2/traces/0123"],
      ["/api/search"],
      ["/api/search/tags"],
      ["/api/v2/search/tags"],
      ["/api/search/tag/service.name/values"],
      ["/api/v2/search/tag/.service.name/values"],
      ["/loki/api/v1/query_range?query=%7Ba%3D%22b%22%7D"],
      ["/loki/api/v1/query_range", { method: "POST", body: new URLSearchParams({ query: '{a="b"}' }) }],
      ["/loki/api/v1/labels"],
      ["/loki/api/v1/label/a/values"],
      ["/api/v1/sql", { method: "POST", body: "SELECT 1" }],
      ["/api/v1/topology"],
    ];
    for (const [path, init] of guarded) expect([path, (await app.request(path, init)).status]).toEqual([path, 401]);
    for (const path of ["/api/echo", "/api/status/buildinfo", "/healthz", "/ready", "/metrics"]) {
      expect([path, (await app.request(path)).status]).toEqual([path, 200]);
    }
  });

  test("topology needs the admin scope when tokens are configured", async () => {
    const { app } = createTestApp({ tokens: TOKENS });
    let res = await app.request("/api/v1/topology", { headers: { Authorization: "Bearer query-token-acme" } });
    expect(res.status).toBe(403);
    res = await app.request("/api/v1/topology", { headers: { Authorization: "Bearer admin-token-acme" } });
    expect(res.status).toBe(200);
  });
});

describe("deadlines and backend errors", () => {
  const tagQuery = "/api/search/tags";

  test("a backend slower than query.timeout → 504, and its signal is aborted", async () => {
    const { app, backend } = createTestApp({ queryTimeoutMs: 50 });
    let aborted = false;
    backend.on("tag_names", (_t, opts) => {
      opts.signal?.addEventListener("abort", () => (aborted = true));
      return new Promise(() => {}); // never answers
    });
    const before = Date.now();
    const res = await app.request(tagQuery);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ error: "query did not finish within 50 ms (query.timeout)", status: 504 });
    expect(aborted).toBe(true);
    const deadline = backend.options[0]!.deadline;
    expect(deadline).toBeGreaterThanOrEqual(before + 50);
  });

  test("a backend that rejects on abort after the deadline is still a 504", async () => {
    const { app, backend } = createTestApp({ queryTimeoutMs: 30 });
    backend.on(
      "tag_names",
      (_t, opts) =>
        new Promise((_, reject) => opts.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))),
    );
    expect((await app.request(tagQuery)).status).toBe(504);
  });

  test.each([
    ["QueryBackendError 503", () => new QueryBackendError(503, "no querier is live"), 503, "no querier is live"],
    ["QueryBackendError 504", () => new QueryBackendError(504, "query deadline exceeded"), 504, "query deadline exceeded"],
    ["QueryBackendError 400", () => new QueryBackendError(400, "bad query"), 400, "bad query"],
    ["QueryBackendError 200 (invalid)", () => new QueryBackendError(200, "nonsense status"), 500, "nonsense status"],
    ["FlightError UNAVAILABLE", () => new FlightError("UNAVAILABLE", "connection refused"), 503, "connection refused"],
    ["FlightError RESOURCE_EXHAUSTED (not 429: clients retry that)", () => new FlightError("RESOURCE_EXHAUSTED", "too many rows"), 422, "too many rows"],
    ["QueryError NOT_FOUND", () => new QueryError("NOT_FOUND", "no such bucket"), 404, "no such bucket"],
  ])("backend throws %s → %d", async (_name, makeError, status, message) => {
    const { app, backend } = createTestApp();
    backend.on("tag_names", () => {
      throw makeError();
    });
    const res = await app.request(tagQuery);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: message, status });
  });

  test("an unknown exception → 500 JSON and one error log line, never a crash", async () => {
    const { app, backend, logLines } = createTestApp();
    backend.on("tag_names", () => {
      throw new TypeError("cannot read properties of undefined");
    });
    const res = await app.request(tagQuery);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "internal error", status: 500 });
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === "http.unhandled_error");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "error", method: "GET", path: tagQuery, error: "cannot read properties of undefined" });
  });
});
