/**
 * The real OpenTelemetry JS exporters (gRPC, HTTP/protobuf, HTTP/JSON; plain and gzip) send
 * traces, logs and metrics to the acceptor; every item must reach the sink with its columns.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Metadata } from "@grpc/grpc-js";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { OTLPTraceExporter as TraceGrpc } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as TraceProto } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPTraceExporter as TraceJson } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPLogExporter as LogsGrpc } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPLogExporter as LogsProto } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPLogExporter as LogsJson } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter as MetricsGrpc } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPMetricExporter as MetricsProto } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPMetricExporter as MetricsJson } from "@opentelemetry/exporter-metrics-otlp-http";
import {
  exportOnce,
  expectSuccess,
  makeLogRecords,
  makeMetrics,
  makeSpans,
  SCOPE_NAME,
  SCOPE_VERSION,
  SERVICE_NAME,
} from "./helpers/acceptor-otel.ts";
import { startTestAcceptor, type TestAcceptor } from "./helpers/acceptor-start.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

type Transport = "grpc" | "proto" | "json";
const TRANSPORTS: Transport[] = ["grpc", "proto", "json"];
const CASES = TRANSPORTS.flatMap((transport) => [
  { transport, gzip: false },
  { transport, gzip: true },
]);

let t: TestAcceptor;
beforeAll(async () => {
  t = await startTestAcceptor();
});
afterAll(async () => {
  await t.stop();
});

/** Exporter options for one case; each case writes to its own bucket to keep rows apart. */
function exporterConfig(transport: Transport, gzip: boolean, bucket: string, path: string) {
  const compression = gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;
  if (transport === "grpc") {
    const metadata = new Metadata();
    metadata.set("x-signalbox-bucket", bucket);
    return { url: `http://${t.grpcAddress}`, compression, metadata };
  }
  return { url: `${t.httpUrl}${path}`, compression, headers: { "X-Signalbox-Bucket": bucket } };
}

type KeyValue = { key: string; value: Record<string, unknown> };
function attribute(json: unknown, key: string): Record<string, unknown> | undefined {
  return (JSON.parse(String(json)) as KeyValue[]).find((kv) => kv.key === key)?.value;
}

describe("traces", () => {
  test.each(CASES)("$transport gzip=$gzip", async ({ transport, gzip }) => {
    const bucket = `traces-${transport}-${gzip ? "gzip" : "plain"}`;
    const spans = await makeSpans(5);
    const config = exporterConfig(transport, gzip, bucket, "/v1/traces");
    const exporter =
      transport === "grpc" ? new TraceGrpc(config) : transport === "proto" ? new TraceProto(config) : new TraceJson(config);
    expectSuccess(await exportOnce(exporter, spans));

    const rows = t.sink.rows("traces", bucket);
    expect(rows).toHaveLength(10);
    const bySpanId = new Map(rows.map((r) => [r.span_id as string, r]));
    for (const span of spans) {
      const row = bySpanId.get(span.spanContext().spanId);
      expect(row).toBeDefined();
      expect(row!.trace_id).toBe(span.spanContext().traceId);
      expect(row!.name).toBe(span.name);
      expect(row!.parent_span_id).toBe(span.parentSpanContext?.spanId ?? "");
      expect(row!.kind).toBe(span.kind + 1); // OTLP numbers kinds from 1 (SPAN_KIND_INTERNAL)
      expect(row!.service_name).toBe(SERVICE_NAME);
      expect(row!.scope_name).toBe(SCOPE_NAME);
      expect(row!.scope_version).toBe(SCOPE_VERSION);
      expect(row!.batch_id).toBe(t.sink.writes.find((w) => w.bucket === bucket)!.batchId);
      const [s, ns] = span.startTime;
      expect(row!.start_time_unix_nano).toBe(BigInt(s) * 1_000_000_000n + BigInt(ns));
    }
    const parent = rows.find((r) => r.name === "parent-3")!;
    expect(attribute(parent.attributes, "http.method")).toEqual({ stringValue: "POST" });
    expect(attribute(parent.attributes, "http.status_code")).toEqual({ intValue: "201" });
    expect(attribute(parent.attributes, "retry.ratio")).toEqual({ doubleValue: 0.25 });
    expect(attribute(parent.attributes, "cache.hit")).toEqual({ boolValue: true });
    expect(attribute(parent.attributes, "tags")).toEqual({ arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } });
    expect(attribute(parent.attributes, "item.index")).toEqual({ intValue: "3" });
    const child = rows.find((r) => r.name === "child-3")!;
    expect(child.status_code).toBe(2);
    expect(child.status_message).toBe("boom");
    expect(String(child.events)).toContain('"cache.miss"');
    expect(attribute(child.resource_attributes, "deployment.environment")).toEqual({ stringValue: "test" });
  });
});

describe("logs", () => {
  test.each(CASES)("$transport gzip=$gzip", async ({ transport, gzip }) => {
    const bucket = `logs-${transport}-${gzip ? "gzip" : "plain"}`;
    const records = await makeLogRecords(7);
    const config = exporterConfig(transport, gzip, bucket, "/v1/logs");
    const exporter = transport === "grpc" ? new LogsGrpc(config) : transport === "proto" ? new LogsProto(config) : new LogsJson(config);
    expectSuccess(await exportOnce(exporter, records));

    const rows = t.sink.rows("logs", bucket);
    expect(rows).toHaveLength(7);
    for (let i = 0; i < 7; i++) {
      const row = rows.find((r) => JSON.parse(String(r.body)).stringValue === `disk almost full ${i}`);
      expect(row).toBeDefined();
      expect(row!.severity_number).toBe(13);
      expect(row!.severity_text).toBe("WARN");
      expect(row!.service_name).toBe(SERVICE_NAME);
      expect(row!.scope_name).toBe(SCOPE_NAME);
      expect(attribute(row!.attributes, "disk.index")).toEqual({ intValue: String(i) });
      expect(attribute(row!.attributes, "disk.used_ratio")).toEqual({ doubleValue: 0.93 });
      expect(attribute(row!.attributes, "disk.mount")).toEqual({ stringValue: "/var" });
      const [s, ns] = records[i]!.hrTime;
      expect(rows.some((r) => r.time_unix_nano === BigInt(s) * 1_000_000_000n + BigInt(ns))).toBe(true);
    }
  });
});

describe("metrics", () => {
  test.each(CASES)("$transport gzip=$gzip", async ({ transport, gzip }) => {
    const bucket = `metrics-${transport}-${gzip ? "gzip" : "plain"}`;
    const metrics = await makeMetrics(4);
    const config = exporterConfig(transport, gzip, bucket, "/v1/metrics");
    const exporter =
      transport === "grpc" ? new MetricsGrpc(config) : transport === "proto" ? new MetricsProto(config) : new MetricsJson(config);
    expectSuccess(await exportOnce(exporter, metrics));

    const rows = t.sink.rows("metrics", bucket);
    expect(rows).toHaveLength(4 + 2);
    const counters = rows.filter((r) => r.metric_name === "http.server.requests");
    expect(counters).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      const point = counters.find((r) => attribute(r.attributes, "http.route")?.stringValue === `/r/${i}`)!;
      expect(point.metric_type).toBe("sum");
      expect(point.is_monotonic).toBe(true);
      expect(point.value_int).toBe(BigInt(i + 1));
      expect(point.metric_unit).toBe("{request}");
      expect(point.metric_description).toBe("requests served");
      expect(point.service_name).toBe(SERVICE_NAME);
    }
    const histogram = rows.find((r) => r.metric_name === "http.server.duration")!;
    expect(histogram.metric_type).toBe("histogram");
    expect(histogram.count).toBe(1n);
    expect(histogram.sum).toBe(12.5);
    const gauge = rows.find((r) => r.metric_name === "process.memory.ratio")!;
    expect(gauge.metric_type).toBe("gauge");
    expect(gauge.value_double).toBe(0.42);
    expect(gauge.value_int).toBeNull();
  });
});

test("stats count every request, row and batch", () => {
  const stats = t.acceptor.stats();
  for (const signal of ["traces", "logs", "metrics"] as const) {
    expect(stats[signal].requests.ok).toBe(CASES.length);
    expect(stats[signal].batches).toBe(CASES.length);
    // the HTTP exporters with compression: 'gzip' really sent gzip (proto and json)
    expect(stats[signal].gzipRequests).toBe(2);
  }
  expect(stats.traces.acceptedRows).toBe(10 * CASES.length);
  expect(stats.logs.acceptedRows).toBe(7 * CASES.length);
  expect(stats.metrics.acceptedRows).toBe(6 * CASES.length);
  expect(stats.traces.rejectedRows).toBe(0);
});
