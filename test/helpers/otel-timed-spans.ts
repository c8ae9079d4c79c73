/**
 * Sends spans with chosen start times, durations, statuses and parents through the real
 * OpenTelemetry JS SDK and OTLP/protobuf exporter, for tests whose expectations depend on
 * where spans fall in time (TraceQL metrics). Returns the trace id of each root.
 */
import { SpanKind, SpanStatusCode, context, trace as otelTrace, type Attributes } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

export interface TimedSpan {
  name: string;
  kind?: SpanKind;
  error?: boolean;
  startMs: number;
  durationMs: number;
  attributes?: Attributes;
  children?: (TimedSpan & { service: string })[];
}

export interface TimedTrace {
  service: string;
  root: TimedSpan;
}

export async function sendTimedTraces(acceptorHttp: string, traces: readonly TimedTrace[]): Promise<string[]> {
  const ids: string[] = [];
  const services = [...new Set(traces.flatMap((t) => [t.service, ...(t.root.children ?? []).map((c) => c.service)]))];
  const providers = new Map(
    services.map((service) => [
      service,
      new TracerProvider({
        resource: resourceFromAttributes({ "service.name": service }),
        spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://${acceptorHttp}/v1/traces` }) })],
      }),
    ]),
  );
  const tracer = (service: string) => providers.get(service)!.getTracer("signalbox-metrics-test");
  const start = (service: string, s: TimedSpan, parent?: ReturnType<typeof context.active>) => {
    const span = tracer(service).startSpan(s.name, { kind: s.kind ?? SpanKind.INTERNAL, startTime: s.startMs, attributes: s.attributes }, parent);
    if (s.error) span.setStatus({ code: SpanStatusCode.ERROR, message: "failed" });
    else span.setStatus({ code: SpanStatusCode.OK });
    return span;
  };
  for (const t of traces) {
    const root = start(t.service, t.root);
    ids.push(root.spanContext().traceId);
    const ctx = otelTrace.setSpan(context.active(), root);
    for (const c of t.root.children ?? []) start(c.service, c, ctx).end(c.startMs + c.durationMs);
    root.end(t.root.startMs + t.root.durationMs);
  }
  for (const p of providers.values()) await p.forceFlush();
  for (const p of providers.values()) await p.shutdown();
  return ids;
}
