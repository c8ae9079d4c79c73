/**
 * Produces a realistic trace with the real OpenTelemetry JS SDK and sends it with a real
 * OTLP exporter; returns the trace id and the OTLP/JSON document of exactly what was sent.
 */
import { SpanKind, SpanStatusCode, trace as otelTrace, context } from "@opentelemetry/api";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

export interface SentTrace {
  traceId: string;
  sent: { resourceSpans: Array<Record<string, any>> };
}

export async function sendTrace(acceptorHttp: string, service = "checkout", headers: Record<string, string> = {}): Promise<SentTrace> {
  const memory = new InMemorySpanExporter();
  const exporter = new ProtoExporter({ url: `http://${acceptorHttp}/v1/traces`, headers });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": service, "deployment.environment": "test", "host.cpu.count": 2 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory }), new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer("signalbox-e2e", "1.2.3");
  let traceId = "";
  tracer.startActiveSpan("POST /checkout", { kind: SpanKind.SERVER, attributes: { "http.method": "POST", "http.status_code": 200 } }, (root) => {
    traceId = root.spanContext().traceId;
    const ctx = otelTrace.setSpan(context.active(), root);
    const child = tracer.startSpan(
      "SELECT orders",
      {
        kind: SpanKind.CLIENT,
        attributes: { "db.system": "postgresql", "db.rows": 42, "cache.hit_ratio": 0.75, "retry": false, "tags": ["a", "b"] },
        links: [{ context: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }, attributes: { "link.kind": "follows" } }],
      },
      ctx,
    );
    child.addEvent("rows fetched", { "rows": 42 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: "slow query" });
    child.end();
    root.end();
  });
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);
  await provider.shutdown();
  return { traceId, sent: JSON.parse(json) };
}
