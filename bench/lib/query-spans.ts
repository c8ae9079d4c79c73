/**
 * Realistic span batches for the query benchmark, generated trace by trace in time order as a
 * writer would receive them: 10 services, traces of 5–50 spans (an HTTP root, HTTP and DB
 * children), 10–20 typed span attributes and 9 resource attributes as OTLP/JSON, ~4% of HTTP
 * spans answering 500, ~3% of spans with error status. Deterministic for a given seed.
 */
import { Int32, Int64, makeData, RecordBatch, Struct, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { tracesSchema } from "../../shared/tables/index.ts";
import { prng } from "./prng.ts";


export const SERVICES = [
  "frontend", "checkout", "cart", "payment", "shipping", "inventory", "auth", "search", "recommendation", "email",
] as const;
const ROUTES = ["/api/orders/{id}", "/api/cart", "/api/users/{id}/profile", "/api/products", "/api/search", "/api/checkout", "/healthz"];
const METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];
const STATUS = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201, 404, 500, 503];
const DB_OPS = ["SELECT", "SELECT", "INSERT", "UPDATE"];
const TABLES = ["orders", "users", "carts", "products", "payments"];

const s = (k: string, v: string) => `{"key":"${k}","value":{"stringValue":"${v}"}}`;
const n = (k: string, v: number) => `{"key":"${k}","value":{"intValue":"${v}"}}`;
const d = (k: string, v: number) => `{"key":"${k}","value":{"doubleValue":${v}}}`;
const b = (k: string, v: boolean) => `{"key":"${k}","value":{"boolValue":${v}}}`;

const resourceJson = SERVICES.map((svc, i) =>
  `[${[
    s("service.name", svc), s("service.version", `1.${i}.3`), s("service.namespace", "shop"),
    s("deployment.environment", "production"), s("host.name", `node-${svc}-7f9c`),
    s("k8s.namespace.name", "shop"), s("k8s.pod.name", `${svc}-5d8f7b9c4-x${i}k2p`),
    s("telemetry.sdk.language", "nodejs"), s("telemetry.sdk.version", "1.26.0"),
  ].join(",")}]`,
);

export interface SpanGenerator {
  /** The next `rows` spans (the last trace may continue in the next batch). */
  next(rows: number, batchId: string): RecordBatch;
  /** Trace ids seen so far, sampled (for trace-by-id queries). */
  sampleTraceIds: string[];
}

export function spanGenerator(opts: { seed: number; startNs: bigint; endNs: bigint; totalSpans: number }): SpanGenerator {
  const rnd = prng(opts.seed);
  const int = (k: number) => Math.floor(rnd() * k);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const hex = (chars: number) => {
    let out = "";
    while (out.length < chars) out += (int(0x100000000) >>> 0).toString(16).padStart(8, "0");
    return out.slice(0, chars);
  };
  const traces = Math.max(1, Math.round(opts.totalSpans / 27.5));
  const step = (opts.endNs - opts.startNs) / BigInt(traces);
  let traceIndex = 0;
  let pending: Span[] = [];
  const sampleTraceIds: string[] = [];

  const makeTrace = (): Span[] => {
    const traceId = hex(32);
    if (traceIndex % 97 === 0) sampleTraceIds.push(traceId);
    const start = opts.startNs + step * BigInt(traceIndex++) + BigInt(int(1_000_000));
    const count = 5 + int(46);
    const spans: Span[] = [];
    for (let i = 0; i < count; i++) {
      const parent = i === 0 ? undefined : spans[int(i)]!;
      const offset = parent ? parent.start - start + BigInt(int(5_000_000)) : 0n;
      const svcIndex = i === 0 ? 0 : int(SERVICES.length);
      const isDb = i > 0 && rnd() < 0.3;
      const dur = BigInt(isDb ? 200_000 + int(20_000_000) : 1_000_000 + int(300_000_000));
      spans.push({ traceId, spanId: hex(16), parent: parent?.spanId ?? "", start: start + offset, dur, svcIndex, isDb, root: i === 0 });
    }
    return spans;
  };

  const httpAttrs = (route: string, status: number) => {
    const attrs = [
      s("http.request.method", pick(METHODS)), s("http.route", route),
      s("url.full", `https://shop.example.com${route.replace("{id}", String(int(1e6)))}?page=${int(10)}`),
      s("url.scheme", "https"), s("server.address", "shop.example.com"), n("server.port", 443),
      n("http.response.status_code", status), s("network.protocol.version", pick(["1.1", "2"])),
      s("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"),
      s("client.address", `10.0.${int(255)}.${int(255)}`),
    ];
    return withExtras(attrs);
  };
  const dbAttrs = (table: string, op: string) =>
    withExtras([
      s("db.system", "postgresql"), s("db.name", "shop"), s("db.operation", op), s("db.sql.table", table),
      s("db.statement", `${op} * FROM ${table} WHERE id = $1`), s("server.address", "pg-primary.shop.svc"),
      n("server.port", 5432), s("network.peer.address", `10.1.${int(255)}.${int(255)}`),
      s("db.user", "shop_app"), n("db.rows_affected", int(100)),
    ]);
  const withExtras = (attrs: string[]) => {
    const extras = int(11);
    const all = [
      n("http.request.body.size", int(10_000)), n("http.response.body.size", int(100_000)), b("app.cache.hit", rnd() < 0.5),
      d("app.latency.ratio", Math.round(rnd() * 1000) / 1000), s("app.tenant", `tenant-${int(100)}`),
      s("enduser.id", `user-${int(100_000)}`), n("thread.id", int(64)), s("code.function", "handleRequest"),
      s("code.namespace", "shop.http.OrdersController"), b("app.feature.new_checkout", rnd() < 0.2),
    ];
    for (let i = 0; i < extras; i++) attrs.push(all[i]!);
    return `[${attrs.join(",")}]`;
  };

  return {
    sampleTraceIds,
    next(rows: number, batchId: string): RecordBatch {
      while (pending.length < rows) pending = pending.concat(makeTrace());
      const spans = pending.slice(0, rows);
      pending = pending.slice(rows);
      return toBatch(spans, batchId);
    },
  };

  function toBatch(spans: Span[], batchId: string): RecordBatch {
    const len = spans.length;
    const str = () => new Array<string>(len);
    const cols = {
      trace_id: str(), span_id: str(), parent_span_id: str(), name: str(), status_message: str(),
      service_name: str(), attributes: str(), events: str(), resource_attributes: str(),
    };
    const kind = new Int32Array(len), status = new Int32Array(len);
    const start = new BigInt64Array(len), end = new BigInt64Array(len), duration = new BigInt64Array(len);
    for (let i = 0; i < len; i++) {
      const sp = spans[i]!;
      const svc = SERVICES[sp.svcIndex]!;
      cols.trace_id[i] = sp.traceId;
      cols.span_id[i] = sp.spanId;
      cols.parent_span_id[i] = sp.parent;
      cols.service_name[i] = svc;
      cols.resource_attributes[i] = resourceJson[sp.svcIndex]!;
      const error = rnd() < 0.03;
      if (sp.isDb) {
        const op = pick(DB_OPS), table = pick(TABLES);
        cols.name[i] = `${op} shop.${table}`;
        cols.attributes[i] = dbAttrs(table, op);
        kind[i] = 3;
      } else {
        const route = pick(ROUTES);
        const code = error ? 500 : pick(STATUS);
        cols.name[i] = `${pick(METHODS)} ${route}`;
        cols.attributes[i] = httpAttrs(route, code);
        kind[i] = sp.root ? 2 : rnd() < 0.5 ? 2 : 3;
      }
      status[i] = error ? 2 : 0;
      cols.status_message[i] = error ? "upstream request timeout" : "";
      cols.events[i] = error
        ? `[{"timeUnixNano":"${sp.start}","name":"exception","attributes":[${s("exception.type", "TimeoutError")}]}]`
        : "[]";
      start[i] = sp.start;
      end[i] = sp.start + sp.dur;
      duration[i] = sp.dur;
    }
    const constant = (v: string) => new Array<string>(len).fill(v);
    const zeros32 = () => new Int32Array(len);
    const children: Record<string, Data> = {
      batch_id: utf8(constant(batchId)), trace_id: utf8(cols.trace_id), span_id: utf8(cols.span_id),
      parent_span_id: utf8(cols.parent_span_id), trace_state: utf8(constant("")), name: utf8(cols.name),
      kind: i32(kind), flags: i64(new BigInt64Array(len).fill(1n)), start_time_unix_nano: i64(start),
      end_time_unix_nano: i64(end), duration_nano: i64(duration), status_code: i32(status),
      status_message: utf8(cols.status_message), service_name: utf8(cols.service_name), attributes: utf8(cols.attributes),
      dropped_attributes_count: i32(zeros32()), events: utf8(cols.events), dropped_events_count: i32(zeros32()),
      links: utf8(constant("[]")), dropped_links_count: i32(zeros32()), resource_attributes: utf8(cols.resource_attributes),
      resource_dropped_attributes_count: i32(zeros32()), resource_schema_url: utf8(constant("https://opentelemetry.io/schemas/1.26.0")),
      scope_name: utf8(constant("@opentelemetry/instrumentation-http")), scope_version: utf8(constant("0.52.1")),
      scope_attributes: utf8(constant("[]")), scope_dropped_attributes_count: i32(zeros32()), scope_schema_url: utf8(constant("")),
    };
    const data = tracesSchema.fields.map((f) => children[f.name]!);
    return new RecordBatch(tracesSchema, makeData({ type: new Struct(tracesSchema.fields), length: len, nullCount: 0, children: data }));
  }
}

interface Span {
  traceId: string;
  spanId: string;
  parent: string;
  start: bigint;
  dur: bigint;
  svcIndex: number;
  isDb: boolean;
  root: boolean;
}

const utf8 = (values: string[]) => vectorFromArray(values, new Utf8()).data[0]!;
const i32 = (values: Int32Array) => makeData({ type: new Int32(), length: values.length, data: values });
const i64 = (values: BigInt64Array) => makeData({ type: new Int64(), length: values.length, data: values });
