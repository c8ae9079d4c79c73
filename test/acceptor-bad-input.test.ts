/**
 * Every way an OTLP request can go wrong, over HTTP and gRPC: the status code, the message,
 * and (for the gzip bomb) that memory stays bounded.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { gzipSync } from "node:zlib";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { SinkRejectedError, SinkUnavailableError } from "../services/acceptor/sink.ts";
import { makeSpans } from "./helpers/acceptor-otel.ts";
import { startTestAcceptor, type TestAcceptor } from "./helpers/acceptor-start.ts";
import { decodeStatusProto, grpcExport } from "./helpers/acceptor-wire.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const MiB = 1024 * 1024;
const PROTOBUF = { "content-type": "application/x-protobuf" };
const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

let t: TestAcceptor;
let spans: ReadableSpan[];
beforeAll(async () => {
  t = await startTestAcceptor({ acceptor: { max_body_bytes: MiB } });
  spans = await makeSpans(2);
});
afterAll(async () => {
  await t.stop();
});

const post = (path: string, body: RequestInit["body"], headers: Record<string, string>) =>
  fetch(`${t.httpUrl}${path}`, { method: "POST", body, headers });

async function protoStatus(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/x-protobuf");
  return decodeStatusProto(new Uint8Array(await res.arrayBuffer()));
}

/** The spans with one trace id cut to 15 bytes (30 hex digits). */
function withShortTraceId(source: ReadableSpan[]): ReadableSpan[] {
  return source.map((span, i) => {
    if (i !== 0) return span;
    const context = { ...span.spanContext(), traceId: span.spanContext().traceId.slice(0, 30) };
    return Object.assign(Object.create(Object.getPrototypeOf(span)), span, { spanContext: () => context });
  });
}

describe("OTLP/HTTP", () => {
  test("garbage protobuf → 400 with a protobuf Status", async () => {
    const res = await post("/v1/traces", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), PROTOBUF);
    expect(res.status).toBe(400);
    const status = await protoStatus(res);
    expect(status.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(status.message).toContain("malformed protobuf");
  });

  test("bad JSON → 400 with a JSON Status", async () => {
    const res = await post("/v1/logs", '{"resourceLogs": [', JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    const status = (await res.json()) as { code: number; message: string };
    expect(status.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(status.message.length).toBeGreaterThan(0);
  });

  test("gzip that does not inflate → 400", async () => {
    const res = await post("/v1/traces", new Uint8Array([1, 2, 3, 4, 5]), { ...PROTOBUF, "content-encoding": "gzip" });
    expect(res.status).toBe(400);
    expect((await protoStatus(res)).message).toStartWith("request body is not valid gzip");
  });

  test("body over the limit (declared length) → 413", async () => {
    const res = await post("/v1/traces", new Uint8Array(MiB + 1), PROTOBUF);
    expect(res.status).toBe(413);
    expect((await protoStatus(res)).message).toBe(`request body exceeds the limit of ${MiB} bytes (after decompression)`);
  });

  test("body over the limit (chunked, no length) → 413", async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 3 * MiB) return controller.close();
        sent += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await post("/v1/traces", stream, PROTOBUF);
    expect(res.status).toBe(413);
    expect((await protoStatus(res)).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
  });

  test("gzip bomb (100 MiB of zeros) → 413 without inflating it", async () => {
    const bomb = gzipSync(new Uint8Array(100 * MiB), { level: 9 });
    expect(bomb.byteLength).toBeLessThan(200 * 1024);
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    const res = await post("/v1/metrics", bomb, { ...PROTOBUF, "content-encoding": "gzip" });
    const grown = process.memoryUsage().rss - before;
    expect(res.status).toBe(413);
    expect((await protoStatus(res)).message).toContain("exceeds the limit");
    expect(grown).toBeLessThan(40 * MiB);
  });

  test("text/plain → 415", async () => {
    const res = await post("/v1/traces", "hello", { "content-type": "text/plain" });
    expect(res.status).toBe(415);
    const status = (await res.json()) as { message: string };
    expect(status.message).toBe('unsupported Content-Type "text/plain" (expected application/x-protobuf or application/json)');
  });

  test("unknown Content-Encoding → 415", async () => {
    const res = await post("/v1/traces", "x", { ...PROTOBUF, "content-encoding": "br" });
    expect(res.status).toBe(415);
    expect((await protoStatus(res)).message).toBe('unsupported Content-Encoding "br" (supported: gzip, identity)');
  });

  test("unknown path → 404, wrong method → 405", async () => {
    const missing = await post("/v1/profiles", "x", PROTOBUF);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe("no route /v1/profiles");
    const get = await fetch(`${t.httpUrl}/v1/traces`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(((await get.json()) as { message: string }).message).toBe("method GET not allowed (allowed: POST)");
  });

  test("invalid trace id (15 bytes) → 200 with partial_success (protobuf)", async () => {
    const body = ProtobufTraceSerializer.serializeRequest(withShortTraceId(spans))!;
    const res = await post("/v1/traces", body, { ...PROTOBUF, "x-signalbox-bucket": "partial-proto" });
    expect(res.status).toBe(200);
    const response = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await res.arrayBuffer()));
    expect(Number(response.partialSuccess?.rejectedSpans)).toBe(1);
    expect(response.partialSuccess?.errorMessage).toContain("trace_id");
    expect(t.sink.rowCount("traces", "partial-proto")).toBe(spans.length - 1);
  });

  test("invalid trace id (15 bytes) → 200 with partial_success (JSON)", async () => {
    const body = JsonTraceSerializer.serializeRequest(withShortTraceId(spans))!;
    const res = await post("/v1/traces", body, { ...JSON_TYPE, "x-signalbox-bucket": "partial-json" });
    expect(res.status).toBe(200);
    const response = (await res.json()) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } };
    expect(Number(response.partialSuccess?.rejectedSpans)).toBe(1);
    expect(response.partialSuccess?.errorMessage).toContain("trace_id");
    expect(t.sink.rowCount("traces", "partial-json")).toBe(spans.length - 1);
  });

  test("sink unavailable → 503 with Retry-After", async () => {
    t.sink.failWith = new SinkUnavailableError("no write quorum for shard 7", 3);
    try {
      const res = await post("/v1/traces", ProtobufTraceSerializer.serializeRequest(spans)!, PROTOBUF);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("3");
      const status = await protoStatus(res);
      expect(status.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(status.message).toBe("storage unavailable: no write quorum for shard 7");
    } finally {
      t.sink.failWith = undefined;
    }
  });

  test("sink rejection keeps the writer's status", async () => {
    t.sink.failWith = new SinkRejectedError(GrpcStatus.RESOURCE_EXHAUSTED, "writer buffer full");
    try {
      const res = await post("/v1/traces", ProtobufTraceSerializer.serializeRequest(spans)!, PROTOBUF);
      expect(res.status).toBe(429);
      expect((await protoStatus(res)).message).toBe("storage rejected the batch: writer buffer full");
    } finally {
      t.sink.failWith = undefined;
    }
  });

  test("invalid org header → 400", async () => {
    const res = await post("/v1/traces", ProtobufTraceSerializer.serializeRequest(spans)!, { ...PROTOBUF, "x-scope-orgid": "../etc" });
    expect(res.status).toBe(400);
    expect((await protoStatus(res)).message).toStartWith('invalid X-Scope-OrgID "../etc"');
  });

  test("an empty export is 200 and writes nothing", async () => {
    const res = await post("/v1/traces", "{}", { ...JSON_TYPE, "x-signalbox-bucket": "empty" });
    expect(res.status).toBe(200);
    expect(t.sink.batches("traces", "empty")).toHaveLength(0);
  });

  test("/healthz and /ready (the body every role answers)", async () => {
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.httpUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, degraded: false });
    t.acceptor.setReady(false);
    const notReady = await fetch(`${t.httpUrl}/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, degraded: false });
    t.acceptor.setReady(true);
  });

  test("failures are counted by outcome", () => {
    const traces = t.acceptor.stats().traces.requests;
    expect(traces.invalid).toBeGreaterThanOrEqual(3);
    expect(traces.too_large).toBe(2);
    expect(traces.unsupported).toBe(2);
    expect(traces.unavailable).toBe(1);
    expect(traces.partial).toBe(2);
  });
});

describe("OTLP/gRPC", () => {
  test("garbage protobuf → INVALID_ARGUMENT", async () => {
    const out = await grpcExport(t.grpcAddress, "traces", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    expect(out.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(out.details).toContain("malformed protobuf");
  });

  test("message over the limit → RESOURCE_EXHAUSTED", async () => {
    const out = await grpcExport(t.grpcAddress, "logs", new Uint8Array(MiB + 1));
    expect(out.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(out.details).toBe(`Received message larger than max (${MiB + 1} vs ${MiB})`);
  });

  test("gzip bomb → RESOURCE_EXHAUSTED", async () => {
    // A valid OTLP prefix is not needed: grpc-js inflates and checks the size before us.
    const out = await grpcExport(t.grpcAddress, "logs", new Uint8Array(100 * MiB), {}, { "grpc.default_compression_algorithm": 2 });
    expect(out.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(out.details).toBe(`Received message that decompresses to a size larger than ${MiB}`);
  });

  test("invalid trace id → OK with partial_success", async () => {
    const body = ProtobufTraceSerializer.serializeRequest(withShortTraceId(spans))!;
    const out = await grpcExport(t.grpcAddress, "traces", body, { "x-signalbox-bucket": "partial-grpc" });
    expect(out.code).toBe(GrpcStatus.OK);
    const response = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(out.response!));
    expect(Number(response.partialSuccess?.rejectedSpans)).toBe(1);
    expect(t.sink.rowCount("traces", "partial-grpc")).toBe(spans.length - 1);
  });

  test("sink unavailable → UNAVAILABLE", async () => {
    t.sink.failWith = new SinkUnavailableError("no write quorum");
    try {
      const out = await grpcExport(t.grpcAddress, "traces", ProtobufTraceSerializer.serializeRequest(spans)!);
      expect(out.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(out.details).toBe("storage unavailable: no write quorum");
    } finally {
      t.sink.failWith = undefined;
    }
  });

  test("invalid bucket metadata → INVALID_ARGUMENT", async () => {
    const out = await grpcExport(t.grpcAddress, "traces", ProtobufTraceSerializer.serializeRequest(spans)!, {
      "x-signalbox-bucket": "a b",
    });
    expect(out.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(out.details).toStartWith('invalid X-Signalbox-Bucket "a b"');
  });
});
