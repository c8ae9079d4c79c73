/**
 * Decode throughput: OTLP export request → Arrow RecordBatch (decodeExport), one core.
 * Payloads are realistic spans (15 attributes of mixed types, ~1 in 4 with an event,
 * resource with 10 attributes), 512 spans per request like a BatchSpanProcessor, encoded
 * with the protobufjs types of the embedded OTLP protos (and as OTLP/JSON).
 *
 *   bun bench/decode.ts [seconds-per-case=3]
 */
import { decodeExport, exportRequestType } from "../shared/otlp/index.ts";

const SPANS_PER_REQUEST = 512;
const REQUESTS = 20;
const seconds = Number(process.argv[2] ?? 3);

const rand = (n: number) => Math.floor(Math.random() * n);
const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const str = (v: string) => ({ string_value: v });
const int = (v: number) => ({ int_value: v });

function makeSpan(i: number) {
  const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_123n;
  const end = start + BigInt(rand(50_000_000));
  const attrs = [
    { key: "http.request.method", value: str(["GET", "POST", "PUT"][rand(3)]) },
    { key: "http.route", value: str(`/api/v1/orders/{id}/items`) },
    { key: "url.full", value: str(`https://shop.example.com/api/v1/orders/${rand(1e6)}/items?page=${rand(10)}`) },
    { key: "url.scheme", value: str("https") },
    { key: "server.address", value: str("shop.example.com") },
    { key: "server.port", value: int(443) },
    { key: "http.response.status_code", value: int([200, 201, 404, 500][rand(4)]) },
    { key: "network.protocol.version", value: str("1.1") },
    { key: "user_agent.original", value: str("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0") },
    { key: "client.address", value: str(`10.0.${rand(255)}.${rand(255)}`) },
    { key: "http.request.body.size", value: int(rand(10_000)) },
    { key: "http.response.body.size", value: int(rand(100_000)) },
    { key: "app.cache.hit", value: { bool_value: rand(2) === 1 } },
    { key: "app.latency.ratio", value: { double_value: Math.random() } },
    { key: "app.tenant", value: str(`tenant-${rand(100)}`) },
  ];
  return {
    trace_id: randomBytes(16),
    span_id: randomBytes(8),
    parent_span_id: i % 8 === 0 ? new Uint8Array(0) : randomBytes(8),
    name: `GET /api/v1/orders/{id}/items`,
    kind: 2,
    flags: 0x301,
    start_time_unix_nano: start.toString(),
    end_time_unix_nano: end.toString(),
    attributes: attrs,
    events: i % 4 === 0 ? [{ time_unix_nano: (start + 1000n).toString(), name: "exception", attributes: [{ key: "exception.message", value: str("boom") }] }] : [],
    status: { code: i % 10 === 0 ? 2 : 0, message: "" },
  };
}

function makeRequest(seed: number) {
  const resource = {
    attributes: [
      ["service.name", "checkout"], ["service.version", "1.4.2"], ["service.namespace", "shop"],
      ["deployment.environment.name", "production"], ["host.name", `node-${seed}`], ["host.arch", "amd64"],
      ["os.type", "linux"], ["process.runtime.name", "bun"], ["telemetry.sdk.name", "opentelemetry"],
      ["telemetry.sdk.language", "nodejs"],
    ].map(([key, v]) => ({ key, value: str(v) })),
  };
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => makeSpan(seed * SPANS_PER_REQUEST + i));
  return { resource_spans: [{ resource, scope_spans: [{ scope: { name: "@opentelemetry/instrumentation-http", version: "0.57.0" }, spans }] }] };
}

const type = exportRequestType("traces");
const objects = Array.from({ length: REQUESTS }, (_, i) => makeRequest(i));
const protobufBodies = objects.map((o) => type.encode(type.fromObject(o)).finish());
// OTLP/JSON of the same requests (hex ids, camelCase), via the protobufjs JSON view.
const jsonBodies = protobufBodies.map((b) => new TextEncoder().encode(JSON.stringify(toOtlpJson(type.toObject(type.decode(b), { longs: String, bytes: String })))));

function toOtlpJson(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => toOtlpJson(v, key));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = toOtlpJson(v, k);
    return out;
  }
  if (typeof value === "string" && /(^|_)(trace|span|parent_span)_id$/.test(key)) return Buffer.from(value, "base64").toString("hex");
  return value;
}

/** CPU seconds of the calling thread (process.threadCpuUsage, Bun / Node ≥ 23.9). */
function threadCpu(): number {
  const usage = (process as unknown as { threadCpuUsage: () => { user: number; system: number } }).threadCpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function run(label: string, bodies: Uint8Array[], format: "protobuf" | "json"): void {
  const bytes = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
  for (let i = 0; i < 30; i++) decodeExport("traces", bodies[i % bodies.length], format, "warmup"); // JIT warm-up
  let spans = 0;
  const cpu0 = process.cpuUsage();
  const thread0 = threadCpu();
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const d = decodeExport("traces", bodies[i++ % bodies.length], format, `batch-${i}`);
    spans += d.accepted;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU seconds: on a shared, loaded machine wall time overstates the cost. The main
  // thread's CPU time is what one core spends decoding; the process figure adds JIT and GC
  // helper threads.
  const threadSeconds = threadCpu() - thread0;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(9);
  console.log(
    `${label.padEnd(9)} ${fmt(spans / threadSeconds)} spans/s per main-thread CPU-second, ${fmt(spans / cpuSeconds)} per process CPU-second, ${fmt(spans / elapsed)} wall  ` +
      `(${SPANS_PER_REQUEST} spans/request, ${Math.round(bytes / SPANS_PER_REQUEST)} B/span, load average ${(require("node:os") as typeof import("node:os")).loadavg()[0].toFixed(1)})`,
  );
}

console.log(`decodeExport traces → Arrow RecordBatch, Bun ${Bun.version}, one core`);
run("protobuf", protobufBodies, "protobuf");
if (!process.env.ONLY_PROTOBUF) run("json", jsonBodies, "json");
