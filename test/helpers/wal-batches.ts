/**
 * Deterministic Arrow batches for the writer's storage tests and benchmarks: realistic spans
 * (15 typed attributes as OTLP/JSON) and, for the other tables, rows filled by column type,
 * with nulls in nullable columns, unicode text and ns times beyond 2^53.
 */
import {
  Bool,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Struct,
  Utf8,
  vectorFromArray,
  DataType,
  type Data,
  type Field,
  type Schema,
} from "apache-arrow";
import { TABLE_SCHEMAS, type TableName } from "../../shared/tables/index.ts";

export interface BatchOptions {
  batchId: string;
  rows: number;
  /** Seed for the pseudo-random values (same seed → same batch). */
  seed?: number;
  /** First row's time; later rows step by 1,000,003 ns. Default 2025-01-02T03:04:05.123456789Z. */
  baseTimeNs?: bigint;
}

export const DEFAULT_BASE_TIME_NS = 1_735_787_045_123_456_789n;

/** Small xorshift PRNG: reproducible data without a dependency. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const hex = (rand: () => number, chars: number) => {
  let out = "";
  while (out.length < chars) out += Math.floor(rand() * 0x100000000).toString(16).padStart(8, "0");
  return out.slice(0, chars);
};

const SERVICES = ["checkout", "cart", "payment", "frontend", "ad-service", "email", "currency", "shipping", "recommendation", "quote"];
const ROUTES = ["/api/cart", "/api/checkout", "/api/products/{id}", "/health", "/api/users/{id}/orders", "/ünïcödé/路径"];
const METHODS = ["GET", "POST", "PUT", "DELETE"];

/** The OTLP/JSON of 15 typed attributes, as an instrumented HTTP server span carries. */
export function spanAttributesJson(rand: () => number, i: number): string {
  const route = ROUTES[i % ROUTES.length];
  const attrs = [
    { key: "http.request.method", value: { stringValue: METHODS[i % 4] } },
    { key: "http.route", value: { stringValue: route } },
    { key: "url.full", value: { stringValue: `https://shop.example.com${route.replace("{id}", String(i))}?q=${hex(rand, 6)}` } },
    { key: "http.response.status_code", value: { intValue: String([200, 201, 404, 500][i % 4]) } },
    { key: "server.address", value: { stringValue: "shop.example.com" } },
    { key: "server.port", value: { intValue: "443" } },
    { key: "client.address", value: { stringValue: `10.${i % 256}.${(i >> 8) % 256}.7` } },
    { key: "user_agent.original", value: { stringValue: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0" } },
    { key: "network.protocol.version", value: { stringValue: "1.1" } },
    { key: "http.request.body.size", value: { intValue: String(Math.floor(rand() * 10_000)) } },
    { key: "http.response.body.size", value: { intValue: String(Math.floor(rand() * 100_000)) } },
    { key: "app.user.id", value: { stringValue: `user-${hex(rand, 8)}` } },
    { key: "app.cart.items", value: { intValue: String(i % 17) } },
    { key: "app.cache.hit", value: { boolValue: i % 3 === 0 } },
    { key: "app.latency.ratio", value: { doubleValue: Math.round(rand() * 1000) / 1000 } },
  ];
  return JSON.stringify(attrs);
}

function resourceJson(service: string): string {
  return JSON.stringify([
    { key: "service.name", value: { stringValue: service } },
    { key: "service.version", value: { stringValue: "1.4.2" } },
    { key: "host.name", value: { stringValue: `node-${service}-7f9c` } },
    { key: "k8s.namespace.name", value: { stringValue: "shop" } },
  ]);
}

/** Realistic spans: the shape used by the 1M-span Parquet measurement and the WAL bench. */
export function makeSpanBatch(opts: BatchOptions): RecordBatch {
  const rand = rng(opts.seed ?? 1);
  const base = opts.baseTimeNs ?? DEFAULT_BASE_TIME_NS;
  const n = opts.rows;
  const cols: Record<string, unknown[] | BigInt64Array | Int32Array> = {};
  const str = (name: string) => (cols[name] = new Array<string>(n)) as string[];
  const i32 = (name: string) => (cols[name] = new Int32Array(n));
  const i64 = (name: string) => (cols[name] = new BigInt64Array(n));
  const [batchId, traceId, spanId, parent, state, name, statusMsg, service, attrs, events, links, res, resUrl, scope, scopeVer, scopeAttrs, scopeUrl] =
    ["batch_id", "trace_id", "span_id", "parent_span_id", "trace_state", "name", "status_message", "service_name", "attributes", "events", "links", "resource_attributes", "resource_schema_url", "scope_name", "scope_version", "scope_attributes", "scope_schema_url"].map(str);
  const [kind, status, dAttr, dEv, dLinks, rDrop, sDrop] =
    ["kind", "status_code", "dropped_attributes_count", "dropped_events_count", "dropped_links_count", "resource_dropped_attributes_count", "scope_dropped_attributes_count"].map(i32);
  const [flags, start, end, duration] = ["flags", "start_time_unix_nano", "end_time_unix_nano", "duration_nano"].map(i64);
  let trace = hex(rand, 32);
  for (let i = 0; i < n; i++) {
    if (i % 8 === 0) trace = hex(rand, 32);
    const svc = SERVICES[Math.floor(rand() * SERVICES.length)];
    batchId[i] = opts.batchId;
    traceId[i] = trace;
    spanId[i] = hex(rand, 16);
    parent[i] = i % 8 === 0 ? "" : hex(rand, 16);
    state[i] = "";
    name[i] = `${METHODS[i % 4]} ${ROUTES[i % ROUTES.length]}`;
    kind[i] = 2;
    flags[i] = 1n;
    const dur = BigInt(Math.floor(rand() * 50_000_000));
    start[i] = base + BigInt(i) * 1_000_003n;
    end[i] = start[i] + dur;
    duration[i] = dur;
    status[i] = i % 4 === 3 ? 2 : 0;
    statusMsg[i] = i % 4 === 3 ? "internal error: 数据库超时" : "";
    service[i] = svc;
    attrs[i] = spanAttributesJson(rand, i);
    events[i] = i % 4 === 3 ? `[{"timeUnixNano":"${start[i]}","name":"exception","attributes":[{"key":"exception.type","value":{"stringValue":"TimeoutError"}}]}]` : "[]";
    links[i] = "[]";
    res[i] = resourceJson(svc);
    resUrl[i] = "https://opentelemetry.io/schemas/1.26.0";
    scope[i] = "@opentelemetry/instrumentation-http";
    scopeVer[i] = "0.52.1";
    scopeAttrs[i] = "[]";
    scopeUrl[i] = "";
    dAttr[i] = dEv[i] = dLinks[i] = rDrop[i] = sDrop[i] = 0;
  }
  return batchFromColumns(TABLE_SCHEMAS.traces, n, cols);
}

/**
 * Any table's batch, filled by column type: unicode strings, ns times, and every third value
 * of a nullable column null. Good for round-trip tests of every schema.
 */
export function makeGenericBatch(table: TableName, opts: BatchOptions): RecordBatch {
  const schema = TABLE_SCHEMAS[table];
  const rand = rng(opts.seed ?? 7);
  const base = opts.baseTimeNs ?? DEFAULT_BASE_TIME_NS;
  const n = opts.rows;
  const cols: Record<string, unknown[] | BigInt64Array | Int32Array> = {};
  for (const f of schema.fields) {
    const values: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      if (f.nullable && i % 3 === 1) values[i] = null;
      else values[i] = sampleValue(f, i, rand, base, opts.batchId);
    }
    cols[f.name] = values;
  }
  return batchFromColumns(schema, n, cols);
}

function sampleValue(f: Field, i: number, rand: () => number, base: bigint, batchId: string): unknown {
  if (f.name === "batch_id") return batchId;
  const t = f.type;
  if (DataType.isUtf8(t)) return i % 5 === 0 ? "" : `${f.name}-${i}-ünï-🌍-${hex(rand, 6)}${"'\"\\".slice(i % 3)}`;
  if (DataType.isBool(t)) return i % 2 === 0;
  if (DataType.isFloat(t)) return i % 7 === 0 ? -0.5 : rand() * 1e6;
  if (DataType.isInt(t) && t.bitWidth === 64) {
    return f.name.endsWith("unix_nano") ? base + BigInt(i) * 999_999_937n + BigInt(i % 3) : BigInt(i) * -3n + 9_007_199_254_740_993n;
  }
  if (DataType.isInt(t)) return (i * 7919) % 65536 - 32768;
  throw new Error(`no sample for ${f.name}`);
}

/** Builds a RecordBatch from plain columns; Int64 always from BigInt64Array (the builder loses ns). */
export function batchFromColumns(
  schema: Schema,
  n: number,
  cols: Record<string, unknown[] | BigInt64Array | Int32Array>,
): RecordBatch {
  const children: Data[] = schema.fields.map((f) => {
    const values = cols[f.name];
    if (!values) throw new Error(`missing column ${f.name}`);
    if (DataType.isInt(f.type) && f.type.bitWidth === 64) return int64Data(values, n);
    if (DataType.isInt(f.type) && values instanceof Int32Array) return makeData({ type: new Int32(), length: n, data: values });
    const type = DataType.isUtf8(f.type) ? new Utf8() : DataType.isBool(f.type) ? new Bool() : DataType.isFloat(f.type) ? new Float64() : new Int32();
    return vectorFromArray(Array.from(values as ArrayLike<unknown>), type).data[0];
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}

function int64Data(values: unknown[] | BigInt64Array | Int32Array, n: number): Data {
  if (values instanceof BigInt64Array) return makeData({ type: new Int64(), length: n, data: values });
  const data = new BigInt64Array(n);
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls++;
    else {
      data[i] = v as bigint;
      bitmap[i >> 3] |= 1 << (i & 7);
    }
  }
  return makeData({ type: new Int64(), length: n, data, nullCount: nulls, nullBitmap: nulls ? bitmap : undefined });
}

/** Rows of a batch as plain JS objects (bigint for Int64), for equality checks. */
export function batchRows(batch: RecordBatch): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const names = batch.schema.fields.map((f) => f.name);
  const cols = names.map((n) => batch.getChild(n)!);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    names.forEach((n, c) => (row[n] = cols[c].get(i)));
    rows.push(row);
  }
  return rows;
}
