/**
 * TraceQL on the querier engine, over a fixed data set made by the real OpenTelemetry JS SDK
 * and serialized by its OTLP exporter's own serializer, decoded by the acceptor's decoder.
 * Expectations follow Tempo's documented semantics (docs/sources/tempo/traceql). Every
 * example of Tempo's TraceQL docs runs (test/fixtures/tempo-traceql-doc-examples.txt).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { context, SpanKind, SpanStatusCode, trace as otelTrace, type Span, type Tracer } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { QueryEngine } from "../services/querier/engine/index.ts";
import { decodeExport } from "../shared/otlp/index.ts";
import { parseTicket, parseTraceQL, QueryError, type TicketInput } from "../shared/query/index.ts";
import { toPlainBatch, tracesSchema } from "../shared/tables/index.ts";
import { validate } from "../shared/config/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { createRouterApp } from "../services/router/http/app.ts";
import { EngineBackend } from "./helpers/engine-backend.ts";
import { quietLog } from "./helpers/query-engine.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

// Hundreds of queries through one engine: seconds on a loaded machine.
setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = Date.now() - 10 * 60_000;
const at = (ms: number) => T0 + ms;
let engine: QueryEngine;
let live: ReturnType<typeof toPlainBatch>[] = [];

/** Two services' tracers (one resource each) writing into one memory exporter. */
async function makeDataSet(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const tracerOf = (service: string, scope: string) =>
    new TracerProvider({
      resource: resourceFromAttributes({ "service.name": service, "deployment.environment": "prod" }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
    }).getTracer(scope, "1.0.0");
  const web = tracerOf("frontend", "http-server");
  const db = tracerOf("db-client", "pg-driver");
  const under = (parent: Span) => otelTrace.setSpan(context.active(), parent);
  const span = (tracer: Tracer, name: string, parent: Span | null, start: number, end: number, opts: Record<string, unknown> = {}) => {
    const s = tracer.startSpan(name, { startTime: at(start), ...opts }, parent ? under(parent) : context.active());
    return { s, end: () => s.end(at(end)) };
  };
  // Trace "checkout": GET root → checkout → SELECT (error, event, link) and cache get.
  const root = span(web, "GET /checkout", null, 0, 900, { kind: SpanKind.SERVER, attributes: { "http.method": "GET", "http.status_code": 200, tags: ["a", "b"], "http.route": ["/checkout", "/cart"] } });
  const checkout = span(web, "checkout", root.s, 10, 800, { kind: SpanKind.INTERNAL, attributes: { "cart.items": 3 } });
  const select = span(db, "SELECT orders", checkout.s, 20, 520, {
    kind: SpanKind.CLIENT,
    attributes: { "db.system": "postgresql", "db.rows": 42 },
    links: [{ context: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }, attributes: { "link.kind": "follows" } }],
  });
  select.s.addEvent("exception", { "exception.type": "Timeout" }, at(400));
  select.s.setStatus({ code: SpanStatusCode.ERROR, message: "slow query" });
  const cache = span(db, "cache get", checkout.s, 600, 610, { kind: SpanKind.CLIENT, attributes: { "db.system": "redis" } });
  for (const s of [select, cache, checkout, root]) s.end();
  // Trace "pay": POST root (error, 500) → charge (mysql).
  const pay = span(web, "POST /pay", null, 1000, 1300, { kind: SpanKind.SERVER, attributes: { "http.method": "POST", "http.status_code": 500, tags: ["c"] } });
  pay.s.setStatus({ code: SpanStatusCode.ERROR });
  const charge = span(db, "charge", pay.s, 1010, 1250, { kind: SpanKind.CLIENT, attributes: { "db.system": "mysql" } });
  charge.end();
  pay.end();
  return memory.getFinishedSpans();
}

beforeAll(async () => {
  const body = ProtobufTraceSerializer.serializeRequest(await makeDataSet())!;
  const decoded = decodeExport("traces", body, "protobuf", "traceql-fixture");
  expect(decoded.rejected).toBe(0);
  live = [toPlainBatch(decoded.batch!, tracesSchema)];
  engine = await QueryEngine.open({ log: quietLog() });
});
afterAll(() => engine?.close());

interface Hit {
  root_trace_name: string;
  span_sets: string;
}

async function search(q: string, extra: Record<string, unknown> = {}): Promise<Hit[]> {
  const ticket = parseTicket({ org: "acme", bucket: "default", kind: "search", q, spss: 100, ...extra } as TicketInput);
  const table = await engine.execute(ticket, { files: [], live });
  return table.toArray().map((r) => r.toJSON() as unknown as Hit);
}

/** Root name → matched span names (all spansets, sorted). */
async function matches(q: string, extra: Record<string, unknown> = {}): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const h of await search(q, extra)) {
    const sets = (h.span_sets === "" ? [] : JSON.parse(h.span_sets)) as Array<{ spans: Array<{ name: string }> }>;
    out[h.root_trace_name] = sets.flatMap((s) => s.spans.map((x) => x.name)).sort();
  }
  return out;
}

const CHECKOUT = "GET /checkout";
const PAY = "POST /pay";

describe("spanset filters: operators, intrinsics, scopes", () => {
  test.each([
    ['{ span.http.method = "GET" }', { [CHECKOUT]: [CHECKOUT] }],
    ['{ span.http.method != "GET" }', { [PAY]: [PAY] }],
    ["{ span.http.status_code >= 500 }", { [PAY]: [PAY] }],
    ["{ span.http.status_code < 500 && span.http.status_code > 100 }", { [CHECKOUT]: [CHECKOUT] }],
    ['{ span.db.system =~ "post.*|my.*" }', { [CHECKOUT]: ["SELECT orders"], [PAY]: ["charge"] }],
    ['{ span.db.system !~ "post.*" }', { [CHECKOUT]: ["cache get"], [PAY]: ["charge"] }],
    ['{ span.tags = "b" }', { [CHECKOUT]: [CHECKOUT] }],
    ['{ .tags = "c" }', { [PAY]: [PAY] }],
    // An array under a key with a dedicated column (its JSON is fetched for such spans).
    ['{ span.http.route = "/cart" && span.http.method = "GET" }', { [CHECKOUT]: [CHECKOUT] }],
    ['{ span.http.route =~ "/check.*" }', { [CHECKOUT]: [CHECKOUT] }],
    ['{ resource.service.name = "db-client" && span.db.system = "mysql" }', { [PAY]: ["charge"] }],
    ['{ .service.name = "frontend" && kind = server }', { [CHECKOUT]: [CHECKOUT], [PAY]: [PAY] }],
    ["{ status = error }", { [CHECKOUT]: ["SELECT orders"], [PAY]: [PAY] }],
    ['{ span:statusMessage = "slow query" }', { [CHECKOUT]: ["SELECT orders"] }],
    ["{ span:kind = client && span:duration > 300ms }", { [CHECKOUT]: ["SELECT orders"] }],
    ["{ duration < 50ms }", { [CHECKOUT]: ["cache get"] }],
    ['{ span:name = "charge" }', { [PAY]: ["charge"] }],
    ['{ trace:duration > 850ms && span:parentID = "" }', { [CHECKOUT]: [CHECKOUT] }],
    ["{ trace:duration > 850ms && span:childCount = 2 }", { [CHECKOUT]: ["checkout"] }],
    ['{ trace:rootName = "POST /pay" && kind = client }', { [PAY]: ["charge"] }],
    ['{ trace:rootService = "frontend" && rootServiceName = "frontend" && span.db.system = "redis" }', { [CHECKOUT]: ["cache get"] }],
    ['{ event:name = "exception" && event.exception.type = "Timeout" }', { [CHECKOUT]: ["SELECT orders"] }],
    ["{ event:timeSinceStart > 300ms }", { [CHECKOUT]: ["SELECT orders"] }],
    ['{ link:traceID = "0af7651916cd43dd8448eb211c80319c" && link:spanID = "b7ad6b7169203331" && link.link.kind = "follows" }', { [CHECKOUT]: ["SELECT orders"] }],
    ['{ instrumentation:name = "pg-driver" && instrumentation:version = "1.0.0" && span.db.system = "mysql" }', { [PAY]: ["charge"] }],
    ["{ span.cart.items != nil }", { [CHECKOUT]: ["checkout"] }],
    ["{ span.cart.items = nil && kind = internal }", {}],
    ["{ span.db.rows * 2 = 84 && -span.db.rows < 0 }", { [CHECKOUT]: ["SELECT orders"] }],
    ['{ !(span.db.system = "redis") && span.db.system != nil && resource.deployment.environment = "prod" }', { [CHECKOUT]: ["SELECT orders"], [PAY]: ["charge"] }],
  ])("%s", async (q, want) => {
    expect(await matches(q)).toEqual(want);
  });
});

describe("spanset and structural operators", () => {
  test.each([
    ['{ span.http.method = "GET" } && { span.db.system = "redis" }', { [CHECKOUT]: [CHECKOUT, "cache get"] }],
    ['{ span.db.system = "redis" } || { span.db.system = "mysql" }', { [CHECKOUT]: ["cache get"], [PAY]: ["charge"] }],
    ['{ name = "checkout" } > { kind = client }', { [CHECKOUT]: ["SELECT orders", "cache get"] }],
    ["{ kind = server } >> { status = error }", { [CHECKOUT]: ["SELECT orders"] }],
    ['{ kind = client } < { name = "checkout" }', { [CHECKOUT]: ["checkout"] }],
    ["{ status = error } << { kind = server }", { [CHECKOUT]: [CHECKOUT] }],
    ['{ span.db.system = "redis" } ~ { span.db.system = "postgresql" }', { [CHECKOUT]: ["SELECT orders"] }],
    ["{ kind = server } !> { kind = client }", { [CHECKOUT]: ["SELECT orders", "cache get"] }],
    ["{ kind = server } !>> { kind = client }", {}],
    ['{ name = "checkout" } &> { span.db.system = "redis" }', { [CHECKOUT]: ["cache get", "checkout"] }],
    ["{ kind = server } &>> { status = error }", { [CHECKOUT]: [CHECKOUT, "SELECT orders"] }],
  ])("%s", async (q, want) => {
    expect(await matches(q)).toEqual(want);
  });
});

describe("pipelines", () => {
  test("count(), avg(), min(), max(), sum() with comparisons", async () => {
    expect(await matches("{ kind = client } | count() > 1")).toEqual({ [CHECKOUT]: ["SELECT orders", "cache get"] });
    expect(await matches("{ } | count() = 2")).toEqual({ [PAY]: [PAY, "charge"] });
    expect(await matches("{ kind = client } | avg(duration) > 200ms")).toEqual({ [CHECKOUT]: ["SELECT orders", "cache get"], [PAY]: ["charge"] });
    expect(await matches("{ kind = client } | min(duration) < 20ms")).toEqual({ [CHECKOUT]: ["SELECT orders", "cache get"] });
    expect(await matches("{ kind = client } | max(duration) > 400ms")).toEqual({ [CHECKOUT]: ["SELECT orders", "cache get"] });
    expect(await matches("{ } | sum(span.db.rows) = 42")).toEqual({ [CHECKOUT]: [CHECKOUT, "SELECT orders", "cache get", "checkout"] });
    const [hit] = await search("{ kind = client } | count() > 1");
    expect(JSON.parse(hit!.span_sets)[0].attributes).toEqual([{ key: "count()", value: { intValue: "2" } }]);
  });

  test("by() splits into spansets, coalesce() merges them back", async () => {
    const [hit] = await search('{ kind = client && trace:rootName = "GET /checkout" } | by(span.db.system)');
    const sets = JSON.parse(hit!.span_sets) as Array<{ attributes: unknown[]; spans: Array<{ name: string }> }>;
    expect(sets.map((s) => [s.spans.map((x) => x.name), s.attributes]).sort()).toEqual([
      [["SELECT orders"], [{ key: "by(span.db.system)", value: { stringValue: "postgresql" } }]],
      [["cache get"], [{ key: "by(span.db.system)", value: { stringValue: "redis" } }]],
    ]);
    expect(await matches("{ kind = client } | by(span.db.system) | count() > 0 | coalesce()")).toEqual({
      [CHECKOUT]: ["SELECT orders", "cache get"],
      [PAY]: ["charge"],
    });
  });

  test("spanSets hold the attributes the query names, plus select()'s", async () => {
    const [hit] = await search('{ span.db.system = "mysql" } | select(resource.service.name, span:statusMessage, span.absent)');
    const span = JSON.parse(hit!.span_sets)[0].spans[0];
    expect(span.attributes).toEqual([
      { key: "db.system", value: { stringValue: "mysql" } },
      { key: "service.name", value: { stringValue: "db-client" } },
      { key: "statusMessage", value: { stringValue: "" } },
    ]);
    const [arr] = await search('{ span.tags = "a" }');
    expect(JSON.parse(arr!.span_sets)[0].spans[0].attributes).toEqual([{ key: "tags", value: { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } } }]);
  });

  test("legacy tags= without q match the trace as Tempo's block search does (no span sets)", async () => {
    expect(await matches("", { tags: { "http.status_code": "500" } })).toEqual({ [PAY]: [] });
    expect(await matches("", { tags: { "service.name": "db", "db.system": "redis" } })).toEqual({ [CHECKOUT]: [] });
    expect(await matches("", { tags: { "root.name": "checkout", "status.code": "error" }, minDurationNs: String(850_000_000n) })).toEqual({ [CHECKOUT]: [] });
  });
});

const docExamples = (await Bun.file(new URL("./fixtures/tempo-traceql-doc-examples.txt", import.meta.url)).text()).split("\n").filter(Boolean);

describe("Tempo's documentation examples", () => {
  const examples = docExamples;

  test("every example parses; the search ones run on the engine", async () => {
    const failures: string[] = [];
    for (const q of examples) {
      if (parseTraceQL(q).kind === "metrics") continue;
      await search(q).catch((e: unknown) => failures.push(`${q}: ${(e as Error).message}`));
    }
    expect(failures).toEqual([]);
    expect(examples.length).toBeGreaterThan(50);
  });

  test("Grafana's search builder and Traces Drilldown forms", async () => {
    expect(await matches("{traceDuration>850ms}")).toEqual({ [CHECKOUT]: [CHECKOUT, "SELECT orders", "cache get", "checkout"] });
    expect(
      await matches('{resource.service.name="frontend" && name="GET /checkout" && span.http.status_code=200 && duration>100ms && status!=error}'),
    ).toEqual({ [CHECKOUT]: [CHECKOUT] });
    expect(await matches('{resource.service.name=~"front.*|db-client" && span:kind=server}')).toEqual({ [CHECKOUT]: [CHECKOUT], [PAY]: [PAY] });
    // Drilldown's root spans: nestedSetParent < 0.
    expect(await matches("{nestedSetParent<0 && true} | select(resource.service.name)")).toEqual({ [CHECKOUT]: [CHECKOUT], [PAY]: [PAY] });
    expect(await matches("{nestedSetParent<0 && status = error}")).toEqual({ [PAY]: [PAY] });
  });

  test("a search that would evaluate more spans than the limit is refused with 422, naming it", async () => {
    const small = await QueryEngine.open({ log: quietLog(), maxEvaluatedSpans: 3 });
    try {
      const ticket = parseTicket({ org: "acme", bucket: "default", kind: "search", q: "{ } >> { kind = client }" } as TicketInput);
      const err = await small.execute(ticket, { files: [], live }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryError);
      expect((err as QueryError).status).toBe(422);
      expect((err as QueryError).message).toContain("more than 3 spans");
    } finally {
      await small.close();
    }
  });

  test("a structural query on multiple spansets asks for coalesce()", async () => {
    const err = await search("{ } | by(name) | { kind = client } > { }").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).message).toContain("coalesce()");
  });
});

describe("Tempo's parser examples on /api/search (router over this engine)", () => {
  const corpus = Bun.YAML.parse(require("node:fs").readFileSync(new URL("./fixtures/tempo-traceql-examples.yaml", import.meta.url), "utf8")) as Record<string, string[]>;

  test("valid non-metrics queries answer 200, every invalid one 400", async () => {
    const app = createRouterApp({
      backend: new EngineBackend(engine, { files: [], live }),
      log: createLogger({ level: "error", sink: () => {} }),
      config: { query: { timeout: 10_000, max_result_rows: 10_000 }, auth: { tokens: [] }, limits: validate({}).limits },
    });
    const status = async (q: string) => (await app.request(`/api/search?q=${encodeURIComponent(q)}`)).status;
    const wrong: string[] = [];
    for (const q of corpus.valid!) {
      if (parseTraceQL(q).kind === "metrics") continue; // answered by /api/metrics/query_range
      const s = await status(q);
      if (s !== 200) wrong.push(`${s} ${q}`);
    }
    for (const q of [...corpus.parse_fails!, ...corpus.validate_fails!, ...corpus.unsupported!]) {
      const s = await status(q);
      if (s !== 400) wrong.push(`${s} ${q}`);
    }
    expect(wrong).toEqual([]);
  });
});
