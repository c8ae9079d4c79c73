/**
 * Realistic OTLP trace export requests for benchmarks: HTTP-server and DB-client spans with
 * 10–20 attributes of mixed types (strings, ints, doubles, bools, a string array), a
 * resource with 10 attributes, an event on ~1 in 4 spans and a link on ~1 in 16, encoded
 * to protobuf with the protobufjs types of the embedded OTLP protos.
 */
import { exportRequestType } from "../../shared/otlp/index.ts";
import { prng } from "./prng.ts";

/** A tiny deterministic PRNG (mulberry32): the same seed gives the same payloads every run. */

type Random = () => number;
type Attribute = { key: string; value: Record<string, unknown> };
const pick = <T>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const int = (rnd: Random, n: number) => Math.floor(rnd() * n);
const bytes = (rnd: Random, n: number) => Uint8Array.from({ length: n }, () => 1 + int(rnd, 255));

const str = (v: string) => ({ string_value: v });
const num = (v: number) => ({ int_value: v });
const dbl = (v: number) => ({ double_value: v });
const bool = (v: boolean) => ({ bool_value: v });

const SERVICES = ["checkout", "payments", "cart", "frontend", "inventory", "shipping"] as const;
const ROUTES = ["/api/v1/orders/{id}", "/api/v1/cart", "/api/v1/users/{id}/profile", "/healthz", "/api/v1/search"] as const;

/** 10 to 20 attributes: the always-present HTTP ones, then optional extras. */
function httpAttributes(rnd: Random): Attribute[] {
  const route = pick(rnd, ROUTES);
  const attrs: Attribute[] = [
    { key: "http.request.method", value: str(pick(rnd, ["GET", "POST", "PUT", "DELETE"])) },
    { key: "http.route", value: str(route) },
    { key: "url.full", value: str(`https://shop.example.com${route.replace("{id}", String(int(rnd, 1e6)))}?page=${int(rnd, 10)}`) },
    { key: "url.scheme", value: str("https") },
    { key: "server.address", value: str("shop.example.com") },
    { key: "server.port", value: num(443) },
    { key: "http.response.status_code", value: num(pick(rnd, [200, 200, 200, 201, 204, 404, 500])) },
    { key: "network.protocol.version", value: str(pick(rnd, ["1.1", "2"])) },
    { key: "user_agent.original", value: str("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0") },
    { key: "client.address", value: str(`10.0.${int(rnd, 255)}.${int(rnd, 255)}`) },
  ];
  const extras: Attribute[] = [
    { key: "http.request.body.size", value: num(int(rnd, 10_000)) },
    { key: "http.response.body.size", value: num(int(rnd, 100_000)) },
    { key: "app.cache.hit", value: bool(rnd() < 0.5) },
    { key: "app.latency.ratio", value: dbl(rnd()) },
    { key: "app.tenant", value: str(`tenant-${int(rnd, 100)}`) },
    { key: "app.feature_flags", value: { array_value: { values: [str("new-checkout"), str(`exp-${int(rnd, 9)}`)] } } },
    { key: "enduser.id", value: str(`user-${int(rnd, 100_000)}`) },
    { key: "thread.id", value: num(int(rnd, 64)) },
    { key: "code.function", value: str("handleRequest") },
    { key: "code.namespace", value: str("shop.http.OrdersController") },
  ];
  return attrs.concat(extras.slice(0, int(rnd, extras.length + 1)));
}

function dbAttributes(rnd: Random): Attribute[] {
  const table = pick(rnd, ["orders", "order_items", "users", "carts"]);
  const attrs: Attribute[] = [
    { key: "db.system.name", value: str("postgresql") },
    { key: "db.namespace", value: str("shop") },
    { key: "db.operation.name", value: str("SELECT") },
    { key: "db.collection.name", value: str(table) },
    { key: "db.query.text", value: str(`SELECT * FROM ${table} WHERE id = $1 AND tenant_id = $2 LIMIT 50`) },
    { key: "server.address", value: str("db-primary.internal") },
    { key: "server.port", value: num(5432) },
    { key: "db.response.returned_rows", value: num(int(rnd, 50)) },
    { key: "network.peer.address", value: str(`10.1.0.${int(rnd, 255)}`) },
    { key: "db.client.connection.pool.name", value: str("main") },
  ];
  const extras: Attribute[] = [
    { key: "db.query.duration_ratio", value: dbl(rnd()) },
    { key: "db.statement.prepared", value: bool(rnd() < 0.8) },
    { key: "thread.id", value: num(int(rnd, 64)) },
    { key: "app.tenant", value: str(`tenant-${int(rnd, 100)}`) },
    { key: "code.function", value: str("findById") },
  ];
  return attrs.concat(extras.slice(0, int(rnd, extras.length + 1)));
}

function makeSpan(rnd: Random, traceId: Uint8Array, parent: Uint8Array, startNs: bigint) {
  const server = parent.length === 0 || rnd() < 0.4;
  const end = startNs + BigInt(int(rnd, 50_000_000) + 1000);
  const event = rnd() < 0.25;
  const link = rnd() < 1 / 16;
  const status = rnd() < 0.05 ? 2 : 0;
  return {
    trace_id: traceId,
    span_id: bytes(rnd, 8),
    parent_span_id: parent,
    name: server ? `GET ${pick(rnd, ROUTES)}` : "SELECT shop.orders",
    kind: server ? 2 : 3,
    flags: 0x301,
    start_time_unix_nano: startNs.toString(),
    end_time_unix_nano: end.toString(),
    attributes: server ? httpAttributes(rnd) : dbAttributes(rnd),
    events: event
      ? [{
          time_unix_nano: (startNs + 1000n).toString(),
          name: status === 2 ? "exception" : "cache.miss",
          attributes: [
            { key: "exception.type", value: str("TimeoutError") },
            { key: "exception.message", value: str("upstream timed out after 30s") },
          ],
        }]
      : [],
    links: link ? [{ trace_id: bytes(rnd, 16), span_id: bytes(rnd, 8), attributes: [{ key: "link.kind", value: str("follows") }] }] : [],
    status: { code: status, message: status === 2 ? "upstream timeout" : "" },
  };
}

function makeRequest(rnd: Random, spansPerRequest: number, baseNs: bigint) {
  const service = pick(rnd, SERVICES);
  const resource = {
    attributes: [
      ["service.name", service], ["service.version", "1.4.2"], ["service.namespace", "shop"],
      ["deployment.environment.name", "production"], ["host.name", `node-${int(rnd, 40)}`], ["host.arch", "amd64"],
      ["os.type", "linux"], ["process.runtime.name", "nodejs"], ["telemetry.sdk.name", "opentelemetry"],
      ["telemetry.sdk.language", "nodejs"],
    ].map(([key, v]) => ({ key, value: str(v!) })),
  };
  const spans = [];
  // Traces of 2–8 spans: a root and children pointing at it.
  while (spans.length < spansPerRequest) {
    const traceId = bytes(rnd, 16);
    const rootStart = baseNs + BigInt(int(rnd, 60_000)) * 1_000_000n;
    const root = makeSpan(rnd, traceId, new Uint8Array(0), rootStart);
    spans.push(root);
    const children = 1 + int(rnd, 7);
    for (let i = 0; i < children && spans.length < spansPerRequest; i++) {
      spans.push(makeSpan(rnd, traceId, root.span_id, rootStart + BigInt(int(rnd, 1_000_000))));
    }
  }
  return {
    resource_spans: [{
      resource,
      scope_spans: [{ scope: { name: "@opentelemetry/instrumentation-http", version: "0.57.0" }, spans }],
    }],
  };
}

export interface TracePayloads {
  bodies: Uint8Array[];
  spansPerRequest: number;
  /** Mean protobuf bytes per span. */
  bytesPerSpan: number;
  /** Mean attributes per span. */
  attributesPerSpan: number;
}

/**
 * One ExportTraceServiceRequest body whose traces start within the minute after `baseNs`:
 * for loads that must send current times (a soak whose retention expires what it sent).
 */
export function traceRequestBody(rnd: () => number, spansPerRequest: number, baseNs: bigint): Uint8Array {
  const type = exportRequestType("traces");
  return type.encode(type.fromObject(makeRequest(rnd, spansPerRequest, baseNs))).finish();
}

/** `count` distinct ExportTraceServiceRequest bodies of `spansPerRequest` spans each. */
export function makeTracePayloads(count: number, spansPerRequest: number, seed = 1): TracePayloads {
  const type = exportRequestType("traces");
  const rnd = prng(seed);
  const baseNs = BigInt(Date.now()) * 1_000_000n;
  let attributes = 0;
  const bodies = Array.from({ length: count }, () => {
    const request = makeRequest(rnd, spansPerRequest, baseNs);
    for (const s of request.resource_spans[0]!.scope_spans[0]!.spans) attributes += s.attributes.length;
    return type.encode(type.fromObject(request)).finish();
  });
  const total = bodies.reduce((n, b) => n + b.length, 0);
  return {
    bodies,
    spansPerRequest,
    bytesPerSpan: total / (count * spansPerRequest),
    attributesPerSpan: attributes / (count * spansPerRequest),
  };
}
