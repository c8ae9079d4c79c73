/**
 * The Tempo-compatible endpoints of the router's HTTP API, against a test backend returning
 * Arrow tables. Shapes are checked against Tempo's documented answers (api_docs/_index.md).
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { RecordBatch, Schema, Table } from "apache-arrow";
import { decodeExport, tracesToOtlp } from "../shared/otlp/index.ts";
import { TEMPO_COMPATIBLE_VERSION } from "../services/router/http/index.ts";
import { createTestApp, resultOf } from "./helpers/router-test-backend.ts";
import { searchResultSchema } from "../shared/query/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** An OTLP/JSON export as an exporter sends it (from the OTLP reference example). */
const OTLP_TRACE = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "my.service" } }] },
      scopeSpans: [
        {
          scope: { name: "my.library", version: "1.0.0", attributes: [{ key: "my.scope.attribute", value: { stringValue: "some scope attribute" } }] },
          spans: [
            {
              traceId: "5B8EFFF798038103D269B633813FC60C",
              spanId: "EEE19B7EC3C1B174",
              parentSpanId: "EEE19B7EC3C1B173",
              name: "I'm a server span",
              startTimeUnixNano: "1544712660000000000",
              endTimeUnixNano: "1544712661000000000",
              kind: 2,
              attributes: [
                { key: "my.span.attr", value: { stringValue: "some value" } },
                { key: "http.status_code", value: { intValue: "500" } },
              ],
              status: { code: 2, message: "boom" },
            },
          ],
        },
      ],
    },
  ],
};
const TRACE_ID = "5b8efff798038103d269b633813fc60c";

function traceTable(): Table {
  const decoded = decodeExport("traces", new TextEncoder().encode(JSON.stringify(OTLP_TRACE)), "json", "batch-1");
  if (!decoded.batch) throw new Error("fixture did not decode");
  return new Table(decoded.batch);
}

/** The rows a protobuf trace decodes back to, minus batch ids. */
function rowsOfProtobuf(bytes: Uint8Array): unknown[] {
  const decoded = decodeExport("traces", bytes, "protobuf", "x");
  if (!decoded.batch) throw new Error("protobuf did not decode");
  return new Table(decoded.batch).toArray().map((r) => ({ ...r.toJSON(), batch_id: undefined }));
}

describe("echo and buildinfo", () => {
  test("GET /api/echo → 200 echo", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/echo");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("echo");
  });

  test("GET /api/status/buildinfo → Prometheus buildinfo fields with a Tempo version", async () => {
    const { app } = createTestApp();
    const body = (await (await app.request("/api/status/buildinfo")).json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["branch", "buildDate", "buildUser", "goVersion", "revision", "version"]);
    expect(body.version).toBe(TEMPO_COMPATIBLE_VERSION);
    expect(body.version).toMatch(/^2\.\d+\.\d+$/);
  });
});

describe("trace by id", () => {
  test("v1 JSON: { batches: [ResourceSpans] } with the trace as sent", async () => {
    const { app, backend } = createTestApp();
    const table = traceTable();
    backend.on("trace_by_id", table);
    const res = await app.request(`/api/traces/${TRACE_ID.toUpperCase()}?start=1544712600&end=1544712700`, {
      headers: { "X-Scope-OrgID": "acme" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as { batches: Array<Record<string, any>> };
    expect(Object.keys(body)).toEqual(["batches"]);
    expect(body).toEqual({ batches: tracesToOtlp(table).resourceSpans });
    const rs = body.batches[0];
    expect(rs.resource.attributes).toEqual(OTLP_TRACE.resourceSpans[0]!.resource.attributes);
    expect(rs.scopeSpans[0].scope).toEqual(OTLP_TRACE.resourceSpans[0]!.scopeSpans[0]!.scope);
    const span = rs.scopeSpans[0].spans[0];
    expect(span).toMatchObject({
      traceId: TRACE_ID,
      spanId: "eee19b7ec3c1b174",
      parentSpanId: "eee19b7ec3c1b173",
      name: "I'm a server span",
      kind: 2,
      startTimeUnixNano: "1544712660000000000",
      endTimeUnixNano: "1544712661000000000",
      status: { code: 2, message: "boom" },
    });
    expect(span.attributes).toEqual(OTLP_TRACE.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes);
    expect(backend.lastTicket).toEqual({
      kind: "trace_by_id",
      org: "acme",
      bucket: "default",
      traceId: TRACE_ID,
      startNs: "1544712600000000000",
      endNs: "1544712700000000000",
    });
  });

  test("v2 JSON: { trace: { resourceSpans }, metrics: {} }", async () => {
    const { app, backend } = createTestApp();
    const table = traceTable();
    backend.on("trace_by_id", table);
    const res = await app.request(`/api/v2/traces/${TRACE_ID}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ trace: { resourceSpans: tracesToOtlp(table).resourceSpans }, metrics: {} });
    expect(backend.lastTicket).toEqual({ kind: "trace_by_id", org: "default", bucket: "default", traceId: TRACE_ID });
  });

  test("Accept: application/protobuf → v1 TracesData bytes, v2 TraceByIDResponse{trace=1} bytes", async () => {
    const { app, backend } = createTestApp();
    const table = traceTable();
    backend.on("trace_by_id", table);
    const expected = table.toArray().map((r) => ({ ...r.toJSON(), batch_id: undefined }));

    const v1 = await app.request(`/api/traces/${TRACE_ID}`, { headers: { Accept: "application/protobuf" } });
    expect(v1.status).toBe(200);
    expect(v1.headers.get("content-type")).toBe("application/protobuf");
    const v1Bytes = new Uint8Array(await v1.arrayBuffer());
    expect(rowsOfProtobuf(v1Bytes)).toEqual(expected);

    const v2 = await app.request(`/api/v2/traces/${TRACE_ID}`, { headers: { Accept: "application/protobuf" } });
    expect(v2.status).toBe(200);
    const v2Bytes = new Uint8Array(await v2.arrayBuffer());
    // field 1, length-delimited, varint length, then exactly the v1 Trace message
    expect(v2Bytes[0]).toBe(0x0a);
    let length = 0;
    let shift = 0;
    let i = 1;
    for (; ; i++) {
      length |= (v2Bytes[i]! & 0x7f) << shift;
      shift += 7;
      if (v2Bytes[i]! < 0x80) break;
    }
    expect(length).toBe(v1Bytes.length);
    expect(v2Bytes.subarray(i + 1)).toEqual(v1Bytes);
  });

  test("over a real HTTP listener (port 0) the protobuf body arrives intact", async () => {
    const { app, backend } = createTestApp();
    backend.on("trace_by_id", traceTable());
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
    try {
      const url = `http://127.0.0.1:${server.port}/api/traces/${TRACE_ID}`;
      const viaApp = new Uint8Array(await (await app.request(`/api/traces/${TRACE_ID}`, { headers: { Accept: "application/protobuf" } })).arrayBuffer());
      const res = await fetch(url, { headers: { Accept: "application/protobuf" } });
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(viaApp);
    } finally {
      await server.stop(true);
    }
  });

  test("short ids are left-padded (Tempo accepts 64-bit ids)", async () => {
    const { app, backend } = createTestApp();
    backend.on("trace_by_id", traceTable());
    await app.request("/api/traces/D269B633813FC60C");
    expect(backend.lastTicket).toMatchObject({ traceId: "0000000000000000d269b633813fc60c" });
  });

  test("an empty result → 404", async () => {
    const { app, backend } = createTestApp();
    backend.on("trace_by_id", traceTable().slice(0, 0));
    for (const path of [`/api/traces/${TRACE_ID}`, `/api/v2/traces/${TRACE_ID}`]) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: `trace ${TRACE_ID} not found`, status: 404 });
    }
  });

  test.each([
    ["/api/traces/not-hex", 'invalid trace id "not-hex": expected 1 to 32 hex digits'],
    [`/api/traces/${"a".repeat(33)}`, `invalid trace id "${"a".repeat(33)}": expected 1 to 32 hex digits`],
    [`/api/traces/${TRACE_ID}?start=yesterday`, 'invalid parameter "start": expected unix epoch seconds, got "yesterday"'],
    [`/api/v2/traces/${TRACE_ID}?end=1.5`, 'invalid parameter "end": expected unix epoch seconds, got "1.5"'],
    [`/api/traces/${TRACE_ID}?start=200&end=100`, "invalid time range: start must not be after end"],
  ])("400 for %s", async (path, error) => {
    const { app, backend } = createTestApp();
    backend.on("trace_by_id", traceTable());
    const res = await app.request(path);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error, status: 400 });
    expect(backend.tickets).toHaveLength(0);
  });
});

const SPAN_SETS = JSON.stringify([
  {
    spans: [
      {
        spanID: "563d623c76514f8e",
        name: "charge",
        startTimeUnixNano: "1684778327735077898",
        durationNanos: "446979497",
        attributes: [{ key: "status", value: { stringValue: "error" } }],
      },
    ],
    matched: 1,
  },
]);

function searchTable(spanSets: string[] = [SPAN_SETS, ""]): Table {
  return resultOf(searchResultSchema, {
    trace_id: ["2f3e0cee77ae5dc9c17ade3689eb2e54", "d6e9329d67b6146a0000000000000001"],
    root_service_name: ["shop-backend", "frontend"],
    root_trace_name: ["update-billing", "/cart"],
    start_time_unix_nano: [1_684_778_327_699_392_724n, 1_634_727_903_545_000_000n],
    duration_nano: [557_123_456n, 611_999_999n],
    span_sets: spanSets,
    service_stats: ['{"shop-backend":{"spanCount":3,"errorCount":1}}', '{"frontend":{"spanCount":1}}'],
  });
}

describe("GET /api/search", () => {
  test("TraceQL search: Tempo's SearchResponse with spanSets (and the deprecated spanSet)", async () => {
    const { app, backend } = createTestApp();
    backend.on("search", searchTable());
    const res = await app.request("/api/search?" + new URLSearchParams({ q: "{ status = error }", start: "1684778000", end: "1684779000" }));
    expect(res.status).toBe(200);
    const spanSet = {
      spans: [
        {
          spanID: "563d623c76514f8e",
          name: "charge",
          startTimeUnixNano: "1684778327735077898",
          durationNanos: "446979497",
          attributes: [{ key: "status", value: { stringValue: "error" } }],
        },
      ],
      matched: 1,
    };
    expect(await res.json()).toEqual({
      traces: [
        {
          traceID: "2f3e0cee77ae5dc9c17ade3689eb2e54",
          rootServiceName: "shop-backend",
          rootTraceName: "update-billing",
          startTimeUnixNano: "1684778327699392724",
          durationMs: 557,
          spanSet,
          spanSets: [spanSet],
          serviceStats: { "shop-backend": { spanCount: 3, errorCount: 1 } },
        },
        {
          traceID: "d6e9329d67b6146a0000000000000001",
          rootServiceName: "frontend",
          rootTraceName: "/cart",
          startTimeUnixNano: "1634727903545000000",
          durationMs: 611,
          serviceStats: { frontend: { spanCount: 1 } },
        },
      ],
      metrics: { inspectedTraces: 2, inspectedBytes: "0", completedJobs: 1, totalJobs: 1 },
    });
    expect(backend.lastTicket).toEqual({
      kind: "search",
      org: "default",
      bucket: "default",
      q: "{ status = error }",
      startNs: "1684778000000000000",
      endNs: "1684779000000000000",
      limit: 20,
      spss: 3,
    });
  });

  test("tag search: logfmt tags, Go durations, limit and spss", async () => {
    const { app, backend } = createTestApp();
    backend.on("search", searchTable(["", ""]));
    const res = await app.request(
      "/api/search?" +
        new URLSearchParams({
          tags: 'service.name="api gateway" http.status_code=500 error',
          minDuration: "100ms",
          maxDuration: "1.5s",
          limit: "5",
          spss: "10",
        }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { traces: Array<Record<string, unknown>> };
    expect(body.traces[0]).toEqual({
      traceID: "2f3e0cee77ae5dc9c17ade3689eb2e54",
      rootServiceName: "shop-backend",
      rootTraceName: "update-billing",
      startTimeUnixNano: "1684778327699392724",
      durationMs: 557,
      serviceStats: { "shop-backend": { spanCount: 3, errorCount: 1 } },
    });
    expect(backend.lastTicket).toEqual({
      kind: "search",
      org: "default",
      bucket: "default",
      tags: { "service.name": "api gateway", "http.status_code": "500", error: "" },
      minDurationNs: "100000000",
      maxDurationNs: "1500000000",
      limit: 5,
      spss: 10,
    });
  });

  test("empty parameters count as absent; limit=0 means the default", async () => {
    const { app, backend } = createTestApp();
    backend.on("search", searchTable());
    const res = await app.request("/api/search?tags=&q=&start=&end=&limit=0&spss=");
    expect(res.status).toBe(200);
    expect(backend.lastTicket).toEqual({ kind: "search", org: "default", bucket: "default", limit: 20, spss: 3 });
  });

  test("a TraceQL syntax error is a 400 naming the position, before any query runs", async () => {
    const { app, backend } = createTestApp();
    const res = await app.request("/api/search?q=" + encodeURIComponent("{ .http.status_code = }"));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; status: number };
    expect(body.status).toBe(400);
    expect(body.error).toMatch(/^TraceQL: .* at position \d+; expected /);
    expect(backend.tickets).toHaveLength(0);
  });

  test.each([
    ["tags=" + encodeURIComponent('service.name="api'), 'invalid parameter "tags": invalid logfmt: unterminated quoted value at position 13'],
    ["minDuration=fast", 'invalid parameter "minDuration": invalid duration "fast": expected a Go duration such as "100ms", "1.5s" or "1h30m"'],
    ["maxDuration=-1s", 'invalid parameter "maxDuration": invalid duration "-1s": expected a Go duration such as "100ms", "1.5s" or "1h30m"'],
    ["minDuration=2s&maxDuration=1s", 'invalid parameter "maxDuration": must not be less than minDuration'],
    ["limit=ten", 'invalid parameter "limit": expected a positive whole number, got "ten"'],
    ["limit=-1", 'invalid parameter "limit": expected a positive whole number, got "-1"'],
    ["limit=10001", 'invalid parameter "limit": must be at most 10000, got 10001'],
    ["spss=101", 'invalid parameter "spss": must be at most 100, got 101'],
    ["start=now", 'invalid parameter "start": expected unix epoch seconds, got "now"'],
    ["start=20&end=10", "invalid time range: start must not be after end"],
  ])("400 for %s", async (qs, error) => {
    const { app, backend } = createTestApp();
    backend.on("search", searchTable());
    const res = await app.request(`/api/search?${qs}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error, status: 400 });
    expect(backend.tickets).toHaveLength(0);
  });

  test("search metrics come from the result's schema metadata when the querier sets them", async () => {
    const { app, backend } = createTestApp();
    const base = searchTable();
    const schema = new Schema(base.schema.fields, new Map([["inspected_traces", "3100"], ["inspected_bytes", "3811736"]]));
    backend.on("search", new Table(base.batches.map((b) => new RecordBatch(schema, b.data))));
    const body = (await (await app.request("/api/search")).json()) as { metrics: unknown };
    expect(body.metrics).toEqual({ inspectedTraces: 3100, inspectedBytes: "3811736", completedJobs: 1, totalJobs: 1 });
  });

  test("invalid span_sets JSON from the backend is a 502", async () => {
    const { app, backend } = createTestApp();
    backend.on("search", searchTable(["{oops", ""]));
    const res = await app.request("/api/search");
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: "query backend returned invalid span_sets JSON for trace 2f3e0cee77ae5dc9c17ade3689eb2e54", status: 502 });
  });
});
