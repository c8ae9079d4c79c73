/**
 * Per-org ingest limits as an OTLP client meets them: over its rate an org gets 429 +
 * Retry-After (HTTP) or RESOURCE_EXHAUSTED + RetryInfo (gRPC) and can send again after the
 * delay, while another org's writes all succeed; a request that can never fit is refused
 * for good (413 / RESOURCE_EXHAUSTED without RetryInfo).
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { OTLPTraceExporter as TraceProto } from "@opentelemetry/exporter-trace-otlp-proto";
import { SinkUnavailableError } from "../services/acceptor/sink.ts";
import { MetricsRegistry } from "../shared/metrics/index.ts";
import { exportRequestType, otlpJsonToProtobuf } from "../shared/otlp/index.ts";
import { exportOnce, expectSuccess, makeSpans } from "./helpers/acceptor-otel.ts";
import { startTestAcceptor, type TestAcceptor } from "./helpers/acceptor-start.ts";
import { decodeRetryDelayMs, decodeStatusProto, grpcExport } from "./helpers/acceptor-wire.ts";
import { randomTracePayload } from "./helpers/otlp-json.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const NOISY_RATE = 4_000;
const NOISY_BURST = 40_000;

/** A fresh OTLP/protobuf trace request of `spans` spans (a few KiB). */
const traceBody = (spans = 40) => otlpJsonToProtobuf(exportRequestType("traces"), JSON.parse(randomTracePayload(spans).body));

let t: TestAcceptor;
const metrics = new MetricsRegistry();
beforeAll(async () => {
  t = await startTestAcceptor(
    {
      limits: {
        overrides: {
          noisy: { ingest_rate_bytes: NOISY_RATE, ingest_burst_bytes: NOISY_BURST },
          grpcnoisy: { ingest_rate_bytes: NOISY_RATE, ingest_burst_bytes: NOISY_BURST },
          exporter: { ingest_rate_bytes: NOISY_RATE, ingest_burst_bytes: NOISY_BURST },
          small: { max_request_bytes: 2_000 },
          outage: { ingest_rate_bytes: NOISY_RATE, ingest_burst_bytes: NOISY_BURST },
        },
      },
    },
    { metrics },
  );
});
afterAll(() => t.stop());

const post = (org: string, body: Uint8Array) =>
  fetch(`${t.httpUrl}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "x-scope-orgid": org },
    body,
  });

describe("OTLP/HTTP", () => {
  test("an org over its rate gets 429 with Retry-After and RetryInfo; another org's writes all succeed", async () => {
    let throttled: Response | undefined;
    let noisyOk = 0;
    let quietOk = 0;
    let quietBytes = 0;
    const started = performance.now();
    for (let i = 0; i < 30; i++) {
      const noisyBody = traceBody();
      const quietBody = traceBody();
      const [noisy, quiet] = await Promise.all([post("noisy", noisyBody), post("quiet", quietBody)]);
      if (noisy.status === 200) noisyOk++;
      else if (noisy.status === 429) throttled ??= noisy;
      else throw new Error(`noisy got ${noisy.status}: ${await noisy.text()}`);
      expect(quiet.status).toBe(200);
      quietOk++;
      quietBytes += quietBody.byteLength;
    }
    const seconds = (performance.now() - started) / 1000;

    expect(throttled).toBeDefined();
    expect(Number(throttled!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const status = new Uint8Array(await throttled!.arrayBuffer());
    expect(decodeStatusProto(status).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(decodeStatusProto(status).message).toContain("limits.ingest_rate_bytes");
    expect(decodeRetryDelayMs(status)).toBeGreaterThan(0);
    // The noisy org got about its burst plus its rate; the quiet one every request, far more.
    expect(noisyOk).toBeLessThan(30);
    expect(quietOk).toBe(30);
    expect(quietBytes).toBeGreaterThan(NOISY_BURST + NOISY_RATE * seconds);
    expect((await metrics.render())).toMatch(/signalbox_limit_hits_total\{limit="ingest_rate_bytes",org="noisy"\} [1-9]/);
    expect((await metrics.render())).not.toContain('org="quiet"');
  });

  test("after the Retry-After delay the throttled org is admitted again", async () => {
    let response = await post("noisy", traceBody());
    for (let i = 0; i < 20 && response.status === 200; i++) response = await post("noisy", traceBody());
    expect(response.status).toBe(429);
    const delayMs = decodeRetryDelayMs(new Uint8Array(await response.arrayBuffer()))!;
    await Bun.sleep(delayMs + 50);
    expect((await post("noisy", traceBody())).status).toBe(200);
  });

  test("the OTel exporter honours the 429: it waits, retries and succeeds", async () => {
    const spans = await makeSpans(5);
    const exporter = new TraceProto({ url: `${t.httpUrl}/v1/traces`, headers: { "X-Scope-OrgID": "exporter" } });
    // Drain the bucket with one-span requests first: what is left is less than the exporter sends.
    while ((await post("exporter", traceBody(1))).status === 200);
    const before = t.acceptor.stats().traces.requests.throttled ?? 0;
    expectSuccess(await exportOnce(exporter, spans));
    expect(t.acceptor.stats().traces.requests.throttled ?? 0).toBeGreaterThan(before);
  }, 20_000);

  test("a request larger than the org's burst is refused for good: 413, no Retry-After", async () => {
    const body = traceBody(1_000);
    expect(body.byteLength).toBeGreaterThan(NOISY_BURST);
    const response = await post("noisy", body);
    expect(response.status).toBe(413);
    expect(response.headers.get("retry-after")).toBeNull();
    const status = new Uint8Array(await response.arrayBuffer());
    expect(decodeStatusProto(status).message).toContain("limits.ingest_burst_bytes");
    expect(decodeRetryDelayMs(status)).toBeUndefined();
  });

  test("limits.max_request_bytes per org: 413 for that org only", async () => {
    const body = traceBody(40);
    expect(body.byteLength).toBeGreaterThan(2_000);
    const small = await post("small", body);
    expect(small.status).toBe(413);
    expect(decodeStatusProto(new Uint8Array(await small.arrayBuffer())).message).toContain("limits.max_request_bytes");
    expect((await post("other", body)).status).toBe(200);
    expect((await metrics.render())).toContain('signalbox_limit_hits_total{limit="max_request_bytes",org="small"} 1');
  });
});

describe("OTLP/gRPC", () => {
  const grpcCall = (org: string, body: Uint8Array) => grpcExport(t.grpcAddress, "traces", body, { "x-scope-orgid": org });

  test("RESOURCE_EXHAUSTED with RetryInfo in grpc-status-details-bin; another org unaffected", async () => {
    let throttled: Awaited<ReturnType<typeof grpcCall>> | undefined;
    for (let i = 0; i < 60 && !throttled; i++) {
      const [noisy, quiet] = await Promise.all([grpcCall("grpcnoisy", traceBody()), grpcCall("grpcquiet", traceBody())]);
      expect(quiet.code).toBe(GrpcStatus.OK);
      if (noisy.code !== GrpcStatus.OK) throttled = noisy;
    }
    expect(throttled?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(throttled!.details).toContain("limits.ingest_rate_bytes");
    expect(decodeStatusProto(throttled!.statusDetails!).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const delayMs = decodeRetryDelayMs(throttled!.statusDetails!)!;
    expect(delayMs).toBeGreaterThan(0);
    await Bun.sleep(delayMs + 50);
    expect((await grpcCall("grpcnoisy", traceBody())).code).toBe(GrpcStatus.OK);
  });

  test("a request that can never fit: RESOURCE_EXHAUSTED without RetryInfo (final for OTLP clients)", async () => {
    const outcome = await grpcCall("grpcnoisy", traceBody(1_000));
    expect(outcome.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(outcome.details).toContain("limits.ingest_burst_bytes");
    expect(outcome.statusDetails).toBeUndefined();
  });
});

describe("our outage is not the client's traffic", () => {
  test("a request the writers could not store (503) is refunded: the retry is not throttled", async () => {
    const body = traceBody(300);
    expect(body.byteLength).toBeGreaterThan(NOISY_BURST / 2);
    expect(body.byteLength).toBeLessThan(NOISY_BURST);
    t.sink.failWith = new SinkUnavailableError("writers restarting");
    try {
      for (let i = 0; i < 3; i++) expect((await post("outage", body)).status).toBe(503);
    } finally {
      t.sink.failWith = undefined;
    }
    // Without the refunds the first 503 alone would have left less than this request.
    expect((await post("outage", body)).status).toBe(200);
  });
});
