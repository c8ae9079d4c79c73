/**
 * Realistic log records for the LogQL benchmark, in time order as writers receive them: 8
 * services (half log JSON lines, half logfmt), 3 pods each, levels mostly info with some
 * debug/warn/error, HTTP request lines with status, latency and size, ~3% failing with
 * 500/503 ("upstream request timeout"), half carrying a trace context, resource attributes as
 * an OpenTelemetry SDK sends them (the indexed ones become stream labels, the rest structured
 * metadata). Deterministic for a given seed.
 */
import { Int32, Int64, makeData, RecordBatch, Struct, Utf8, vectorFromArray, type Data } from "apache-arrow";
import { logsSchema } from "../../shared/tables/index.ts";
import { prng } from "./prng.ts";

export const LOG_SERVICES = ["frontend", "checkout", "payment", "cart", "auth", "search", "inventory", "shipping"] as const;
/** Services whose lines are logfmt; the others write JSON. */
export const LOGFMT_SERVICES: ReadonlySet<string> = new Set(["payment", "cart", "search", "shipping"]);
const PODS = 3;
const PATHS = ["/api/orders/{id}", "/api/cart", "/api/users/{id}/profile", "/api/products", "/api/search", "/api/checkout", "/healthz"];
const METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];
const LEVELS: Array<[string, number, number]> = [
  // level, OTLP severity number, weight
  ["info", 9, 80],
  ["debug", 5, 10],
  ["warn", 13, 7],
  ["error", 17, 3],
];
const MESSAGES: Record<string, string[]> = {
  info: ["request completed", "cache hit", "order placed", "user signed in"],
  debug: ["cache miss", "retrying idempotent call", "payload decoded"],
  warn: ["slow downstream call", "retry budget low", "deprecated header used"],
  error: ["upstream request timeout", "database connection refused", "payment declined by provider"],
};

const kv = (k: string, v: string) => `{"key":"${k}","value":{"stringValue":"${v}"}}`;

const resourceJson = LOG_SERVICES.flatMap((svc, i) =>
  Array.from({ length: PODS }, (_, pod) =>
    `[${[
      kv("service.name", svc), kv("service.namespace", "shop"), kv("service.version", `2.${i}.1`),
      kv("deployment.environment", "production"), kv("k8s.namespace.name", "shop"),
      kv("k8s.pod.name", `${svc}-7d9f8c-${pod}x${i}`), kv("host.name", `node-${(i + pod) % 5}`),
      kv("telemetry.sdk.language", "nodejs"),
    ].join(",")}]`,
  ),
);

export interface LogGenerator {
  /** The next `rows` records, in time order. */
  next(rows: number, batchId: string): RecordBatch;
}

export function logGenerator(opts: { seed: number; startNs: bigint; endNs: bigint; totalLines: number }): LogGenerator {
  const rnd = prng(opts.seed);
  const int = (k: number) => Math.floor(rnd() * k);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const hex = (chars: number) => {
    let out = "";
    while (out.length < chars) out += (int(0x100000000) >>> 0).toString(16).padStart(8, "0");
    return out.slice(0, chars);
  };
  const totalWeight = LEVELS.reduce((n, l) => n + l[2], 0);
  const level = () => {
    let r = int(totalWeight);
    for (const l of LEVELS) if ((r -= l[2]) < 0) return l;
    return LEVELS[0]!;
  };
  const step = Number(opts.endNs - opts.startNs) / opts.totalLines;
  let index = 0;

  return {
    next(rows, batchId) {
      const str = () => new Array<string>(rows);
      const cols = { body: str(), severity_text: str(), service_name: str(), resource_attributes: str(), trace_id: str(), span_id: str(), attributes: str() };
      const time = new BigInt64Array(rows);
      const severity = new Int32Array(rows);
      for (let i = 0; i < rows; i++, index++) {
        const svcIndex = int(LOG_SERVICES.length);
        const svc = LOG_SERVICES[svcIndex]!;
        const [lvl, sevNumber] = level();
        const failed = lvl === "error" || rnd() < 0.01;
        const status = failed ? pick([500, 503]) : pick([200, 200, 200, 200, 201, 204, 404]);
        const msg = failed ? "upstream request timeout" : pick(MESSAGES[lvl]!);
        const latencyMs = failed ? 1000 + int(9000) : 2 + int(int(10) === 0 ? 2000 : 300);
        const path = pick(PATHS).replace("{id}", String(int(100_000)));
        const method = pick(METHODS);
        const size = 200 + int(50_000);
        const user = `u-${int(20_000)}`;
        const traced = rnd() < 0.5;
        const traceId = traced ? hex(32) : "";
        const line = LOGFMT_SERVICES.has(svc)
          ? `level=${lvl} msg="${msg}" method=${method} path=${path} status=${status} latency=${latencyMs}ms bytes=${size} user=${user}` +
            (traced ? ` trace_id=${traceId}` : "")
          : JSON.stringify({ level: lvl, msg, method, path, status, latency: `${latencyMs}ms`, bytes: size, user: { id: user }, ...(traced ? { trace_id: traceId } : {}) });
        cols.body[i] = JSON.stringify({ stringValue: line });
        cols.severity_text[i] = lvl.toUpperCase();
        severity[i] = sevNumber;
        cols.service_name[i] = svc;
        cols.resource_attributes[i] = resourceJson[svcIndex * PODS + int(PODS)]!;
        cols.trace_id[i] = traceId;
        cols.span_id[i] = traced ? hex(16) : "";
        cols.attributes[i] = `[${kv("code.function", `handle${method}`)},${kv("http.route", path.replace(/\d+/g, "{id}"))}]`;
        time[i] = opts.startNs + BigInt(Math.floor(index * step));
      }
      const constant = (v: string) => new Array<string>(rows).fill(v);
      const zeros32 = () => new Int32Array(rows);
      const children: Record<string, Data> = {
        batch_id: utf8(constant(batchId)), time_unix_nano: i64(time), observed_time_unix_nano: i64(time), severity_number: i32(severity),
        severity_text: utf8(cols.severity_text), body: utf8(cols.body), attributes: utf8(cols.attributes), dropped_attributes_count: i32(zeros32()),
        flags: i64(new BigInt64Array(rows)), trace_id: utf8(cols.trace_id), span_id: utf8(cols.span_id), event_name: utf8(constant("")),
        service_name: utf8(cols.service_name), resource_attributes: utf8(cols.resource_attributes), resource_dropped_attributes_count: i32(zeros32()),
        resource_schema_url: utf8(constant("https://opentelemetry.io/schemas/1.26.0")), scope_name: utf8(constant("app-logger")),
        scope_version: utf8(constant("1.0.0")), scope_attributes: utf8(constant("[]")), scope_dropped_attributes_count: i32(zeros32()),
        scope_schema_url: utf8(constant("")),
      };
      const data = logsSchema.fields.map((f) => children[f.name]!);
      return new RecordBatch(logsSchema, makeData({ type: new Struct(logsSchema.fields), length: rows, nullCount: 0, children: data }));
    },
  };
}

const utf8 = (values: string[]) => vectorFromArray(values, new Utf8()).data[0]!;
const i32 = (values: Int32Array) => makeData({ type: new Int32(), length: values.length, data: values });
const i64 = (values: BigInt64Array) => makeData({ type: new Int64(), length: values.length, data: values });
