/**
 * Telemetry made by the real OpenTelemetry JS SDK, and a way to push it through a real OTLP
 * exporter and get the exporter's own verdict back (the SDK processors would swallow it).
 */
import { SpanKind, SpanStatusCode, ValueType, type Attributes } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";

export const SERVICE_NAME = "checkout";
export const SCOPE_NAME = "signalbox-test";
export const SCOPE_VERSION = "1.2.3";

const resource = () => resourceFromAttributes({ "service.name": SERVICE_NAME, "deployment.environment": "test" });

export const SPAN_ATTRIBUTES: Attributes = {
  "http.method": "POST",
  "http.status_code": 201,
  "retry.ratio": 0.25,
  "cache.hit": true,
  "tags": ["a", "b"],
};

/** `count` traces of one parent and one child span each (2 × count spans). */
export async function makeSpans(count: number): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resource(), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer(SCOPE_NAME, SCOPE_VERSION);
  for (let i = 0; i < count; i++) {
    tracer.startActiveSpan(`parent-${i}`, { kind: SpanKind.SERVER, attributes: { ...SPAN_ATTRIBUTES, "item.index": i } }, (parent) => {
      const child = tracer.startSpan(`child-${i}`, { kind: SpanKind.CLIENT });
      child.addEvent("cache.miss", { "cache.key": `k${i}` });
      child.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
      child.end();
      parent.end();
    });
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

export async function makeLogRecords(count: number): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resource(), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger(SCOPE_NAME, SCOPE_VERSION);
  for (let i = 0; i < count; i++) {
    logger.emit({
      severityNumber: SeverityNumber.WARN,
      severityText: "WARN",
      body: `disk almost full ${i}`,
      attributes: { "disk.used_ratio": 0.93, "disk.index": i, "disk.mount": "/var" },
    });
  }
  await provider.forceFlush();
  const records = memory.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

/** A reader that collects only when asked, so a test sends exactly what it made. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * A counter with `series` attribute sets (one data point each), a histogram (one point)
 * and an observable gauge (one point): series + 2 data points in all.
 */
export async function makeMetrics(series: number): Promise<ResourceMetrics> {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ resource: resource(), readers: [reader] });
  const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);
  const requests = meter.createCounter("http.server.requests", { description: "requests served", unit: "{request}", valueType: ValueType.INT });
  for (let i = 0; i < series; i++) requests.add(i + 1, { "http.route": `/r/${i}` });
  meter.createHistogram("http.server.duration", { unit: "ms" }).record(12.5, { "http.route": "/checkout" });
  meter.createObservableGauge("process.memory.ratio").addCallback((result) => result.observe(0.42, { host: "h1" }));
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length) throw new Error(`metric collection failed: ${errors.join("; ")}`);
  await provider.shutdown();
  return resourceMetrics;
}

interface Exporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** Exports once through `exporter` and resolves with its verdict. */
export async function exportOnce<T>(exporter: Exporter<T>, items: T): Promise<ExportResult> {
  const result = await new Promise<ExportResult>((resolve) => exporter.export(items, resolve));
  await exporter.shutdown();
  return result;
}

export function expectSuccess(result: ExportResult): void {
  if (result.code !== ExportResultCode.SUCCESS) {
    throw new Error(`export failed: ${result.error?.message ?? "unknown error"}`);
  }
}
