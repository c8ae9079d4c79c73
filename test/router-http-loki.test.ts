/** Loki's query and label routes of the router, against a test backend that returns Arrow tables. */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createTestApp, resultOf } from "./helpers/router-test-backend.ts";
import { LOGQL_RESULT_SCHEMA, logLabelValuesSchema, logLabelsSchema } from "../shared/query/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** A querier's answer to a `logql` log query: entries grouped by their three label sets. */
const streamsAnswer = (groups: unknown[], stats = { linesProcessed: 3, bytesProcessed: 15, execTimeSeconds: 0.01 }) =>
  resultOf(LOGQL_RESULT_SCHEMA, { result_type: ["streams"], result: [JSON.stringify(groups)], stats: [JSON.stringify(stats)] });

const GROUPS = [
  { stream: { service_name: "api" }, structuredMetadata: { trace_id: "t1" }, parsed: {}, values: [["1700000002000000000", "third"]] },
  { stream: { service_name: "db" }, structuredMetadata: {}, parsed: { status: "500" }, values: [["1700000001500000000", "second"]] },
  { stream: { service_name: "api" }, structuredMetadata: { trace_id: "t2" }, parsed: {}, values: [["1700000001000000000", "first"]] },
];
const q = (query: string, extra: Record<string, string> = {}) => new URLSearchParams({ query, ...extra }).toString();

describe("GET /loki/api/v1/query_range", () => {
  test("sends a logql ticket and answers Loki's plain streams: every label set merged", async () => {
    const { app, backend } = createTestApp();
    backend.on("logql", streamsAnswer(GROUPS));
    const res = await app.request(`/loki/api/v1/query_range?${q('{service_name=~"api|db"} |= "ir"', { start: "1700000000", end: "1700000100", limit: "50", direction: "FORWARD" })}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.status).toBe("success");
    expect(body.data.resultType).toBe("streams");
    expect(body.data.result).toEqual([
      { stream: { service_name: "api", trace_id: "t1" }, values: [["1700000002000000000", "third"]] },
      { stream: { service_name: "db", status: "500" }, values: [["1700000001500000000", "second"]] },
      { stream: { service_name: "api", trace_id: "t2" }, values: [["1700000001000000000", "first"]] },
    ]);
    expect(body.data.stats.summary).toMatchObject({ totalLinesProcessed: 3, totalBytesProcessed: 15, totalEntriesReturned: 3 });
    expect(backend.lastTicket).toMatchObject({
      kind: "logql", org: "default", bucket: "default", query: '{service_name=~"api|db"} |= "ir"',
      startNs: "1700000000000000000", endNs: "1700000100000000000",
      evalStartNs: "1700000000000000000", evalEndNs: "1700000100000000000", limit: 50, direction: "forward",
    });
    expect((backend.lastTicket as { stepNs?: string }).stepNs).toBeUndefined();
  });

  test("categorize-labels: streams by stream labels, metadata and parsed labels per entry", async () => {
    const { app, backend } = createTestApp();
    backend.on("logql", streamsAnswer(GROUPS));
    const res = await app.request(`/loki/api/v1/query_range?${q('{service_name=~"api|db"}')}`, { headers: { "X-Loki-Response-Encoding-Flags": "categorize-labels" } });
    const body = (await res.json()) as any;
    expect(body.data.encodingFlags).toEqual(["categorize-labels"]);
    expect(body.data.result).toEqual([
      {
        stream: { service_name: "api" },
        values: [
          ["1700000002000000000", "third", { structuredMetadata: { trace_id: "t1" } }],
          ["1700000001000000000", "first", { structuredMetadata: { trace_id: "t2" } }],
        ],
      },
      { stream: { service_name: "db" }, values: [["1700000001500000000", "second", { parsed: { status: "500" } }]] },
    ]);
  });

  test("defaults: limit 100, backward, the last hour ending now", async () => {
    const { app, backend } = createTestApp();
    backend.on("logql", streamsAnswer([]));
    const before = BigInt(Date.now()) * 1_000_000n;
    const res = await app.request(`/loki/api/v1/query_range?${q('{a="b"}')}`);
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(res.status).toBe(200);
    const t = backend.lastTicket as { limit: number; direction: string; evalStartNs: string; evalEndNs: string };
    expect(t.limit).toBe(100);
    expect(t.direction).toBe("backward");
    const end = BigInt(t.evalEndNs);
    expect(end >= before && end <= after).toBe(true);
    expect(end - BigInt(t.evalStartNs)).toBe(3_600_000_000_000n);
  });

  test("start/end as ns, RFC3339 and decimal seconds; since", async () => {
    const { app, backend } = createTestApp();
    backend.on("logql", streamsAnswer([]));
    const sel = '{a="b"}';
    await app.request(`/loki/api/v1/query_range?${q(sel, { start: "1700000000123456789", end: "2023-11-14T22:13:30.5Z" })}`);
    expect(backend.lastTicket).toMatchObject({ evalStartNs: "1700000000123456789", evalEndNs: "1700000010500000000" });
    await app.request(`/loki/api/v1/query_range?${q(sel, { start: "1700000000.25", end: "1700000001" })}`);
    expect(backend.lastTicket).toMatchObject({ evalStartNs: "1700000000250000000", evalEndNs: "1700000001000000000" });
    await app.request(`/loki/api/v1/query_range?${q(sel, { end: "1700000000", since: "5m" })}`);
    expect(backend.lastTicket).toMatchObject({ evalStartNs: "1699999700000000000", evalEndNs: "1700000000000000000" });
    // Not a Prometheus duration, but a Go one: Loki takes it too.
    await app.request(`/loki/api/v1/query_range?${q(sel, { end: "1700000000", since: "0.5h" })}`);
    expect(backend.lastTicket).toMatchObject({ evalStartNs: "1699998200000000000", evalEndNs: "1700000000000000000" });
  });

  test("a metric query carries its step and reads its longest range and offset before start", async () => {
    const { app, backend } = createTestApp();
    backend.on("logql", resultOf(LOGQL_RESULT_SCHEMA, { result_type: ["matrix"], result: ['[{"metric":{"level":"info"},"values":[[1700000060,"2"]]}]'], stats: [""] }));
    const query = 'sum by (level) (count_over_time({a="b"}[5m] offset 1m)) / sum(rate({a="b"}[10m]))';
    const res = await app.request(`/loki/api/v1/query_range?${q(query, { start: "1700000000", end: "1700003600", step: "60s" })}`);
    const body = (await res.json()) as any;
    expect(body.data).toMatchObject({ resultType: "matrix", result: [{ metric: { level: "info" }, values: [[1700000060, "2"]] }] });
    expect(backend.lastTicket).toMatchObject({
      stepNs: "60000000000", startNs: String(1_700_000_000_000_000_000n - 600_000_000_000n), evalStartNs: "1700000000000000000",
    });
    // Default step: the range / 250, at least a second.
    await app.request(`/loki/api/v1/query_range?${q(query, { start: "1700000000", end: "1700003600" })}`);
    expect(backend.lastTicket).toMatchObject({ stepNs: "14000000000" });
  });

  test("POST with a form body", async () => {
    const { app, backend } = createTestApp();
    backend.on("logql", streamsAnswer([]));
    const res = await app.request("/loki/api/v1/query_range", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: '{service_name="db"}', limit: "7", start: "1700000000", end: "1700000001" }).toString(),
    });
    expect(res.status).toBe(200);
    expect(backend.lastTicket).toMatchObject({ kind: "logql", query: '{service_name="db"}', limit: 7 });
  });

  test.each([
    ["", /^LogQL: empty query at position 0/],
    [q('{a="b"}', { limit: "abc" }), /^strconv.Atoi: parsing "abc": invalid syntax$/],
    [q('{a="b"}', { limit: "20000" }), /^max entries limit per query exceeded, limit > max_entries_limit_per_query \(20000 > 10000\)$/],
    [q('{a="b"}', { direction: "sideways" }), /^invalid direction 'sideways'$/],
    [q('{a="b"}', { start: "yesterday" }), /^could not parse 'start' parameter/],
    [q('{a="b"}', { since: "soon" }), /^could not parse 'since' parameter/],
    [q('{a="b"}', { start: "1700000100", end: "1700000000" }), /^end timestamp must not be before or equal to start time$/],
    [q('rate({a="b"}[1m])', { start: "1700000000", end: "1800000000", step: "1" }), /^exceeded maximum resolution of 11,000 points per time series/],
    [q('{a="b"}', { start: "1600000000", end: "1700000000" }), /^the query time range exceeds the limit \(query length: 27777h46m40s, limit: 721h0m0s\)$/],
    [q('{a="b"}', { start: "1700000000", end: "1700000001", interval: "-1" }), /^interval must be >= 0$/],
    [q('{a=~".*"}'), /at least one regexp or equality matcher/],
  ])("Loki's plain-text 400 for %p", async (qs, message) => {
    const { app, backend } = createTestApp();
    backend.on("logql", streamsAnswer([]));
    const res = await app.request(`/loki/api/v1/query_range?${qs}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toMatch(message);
    expect(backend.tickets).toHaveLength(0);
  });

  test("a LogQL syntax error names the position", async () => {
    const { app } = createTestApp();
    const res = await app.request(`/loki/api/v1/query_range?${q('{a="b"')}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^LogQL: .* at position \d+/);
  });

  test("interval keeps one entry per interval in each stream", async () => {
    const { app, backend } = createTestApp();
    const values = [0, 1, 2, 5, 6, 11].map((s) => [String(1_700_000_000_000_000_000n + BigInt(s) * 1_000_000_000n), `l${s}`]);
    backend.on("logql", streamsAnswer([{ stream: { a: "b" }, structuredMetadata: {}, parsed: {}, values }]));
    const res = await app.request(`/loki/api/v1/query_range?${q('{a="b"}', { direction: "forward", interval: "5s" })}`);
    const body = (await res.json()) as any;
    expect(body.data.result[0].values.map((v: string[]) => v[1])).toEqual(["l0", "l5", "l11"]);
  });
});

describe("GET /loki/api/v1/query", () => {
  test("an instant metric query is evaluated at `time`", async () => {
    const { app, backend } = createTestApp();
    backend.on("logql", resultOf(LOGQL_RESULT_SCHEMA, { result_type: ["vector"], result: ['[{"metric":{},"value":[1700000000,"2"]}]'], stats: [""] }));
    const res = await app.request(`/loki/api/v1/query?${q("vector(1)+vector(1)", { time: "1700000000" })}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data).toMatchObject({ resultType: "vector", result: [{ metric: {}, value: [1700000000, "2"] }] });
    expect(backend.lastTicket).toMatchObject({ kind: "logql", evalStartNs: "1700000000000000000", evalEndNs: "1700000000000000000", startNs: "1700000000000000000" });
  });

  test("an instant log query is refused as Loki refuses it", async () => {
    const { app, backend } = createTestApp();
    const res = await app.request(`/loki/api/v1/query?${q('{a="b"}')}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("log queries are not supported as an instant query type, please change your query to a range query type");
    expect(backend.tickets).toHaveLength(0);
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
