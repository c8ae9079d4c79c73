/**
 * Round trip with the real OpenTelemetry JS SDK: spans serialized by the SDK's own OTLP
 * serializers (protobuf and JSON) → decodeExport → tracesToOtlp must give back the
 * serializer's document, up to what OTLP/JSON allows to differ (omitted default values,
 * int64 as number or string, hex case).
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { RecordBatch } from "apache-arrow";
import { decodeExport, encodeTracesProtobuf, tracesToOtlp } from "../shared/otlp/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

function recordSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "checkout", "service.version": "1.4.2", "host.cpu.count": 8 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("@acme/instrumentation-http", "0.57.0");
  const other = provider.getTracer("@acme/db");
  tracer.startActiveSpan("GET /orders/{id}", { kind: SpanKind.SERVER }, (root) => {
    root.setAttributes({
      "http.request.method": "GET",
      "http.response.status_code": 200,
      "app.ratio": 0.25,
      "app.cache.hit": true,
      "app.tags": ["a", "b"],
      "app.counts": [1, 2, 3],
      "app.quote": 'say "hi"\n\tüñí©ødé 😀',
    });
    root.addEvent("cache.miss", { "cache.key": "order:42" });
    const linked = trace.wrapSpanContext({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1, isRemote: true });
    other.startActiveSpan("SELECT orders", { kind: SpanKind.CLIENT, links: [{ context: linked.spanContext(), attributes: { "link.reason": "batch" } }] }, (child) => {
      child.setStatus({ code: SpanStatusCode.ERROR, message: "timeout" });
      child.end();
    });
    const remote = trace.setSpanContext(context.active(), { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1, isRemote: true });
    tracer.startSpan("consume", { kind: SpanKind.CONSUMER }, remote).end();
    root.end();
  });
  return exporter.getFinishedSpans();
}

/** Drops what OTLP/JSON lets an exporter omit or spell differently. */
function normalize(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = normalize(v, k);
      if (n === undefined || n === 0 || n === "" || n === false || (Array.isArray(n) && n.length === 0)) continue;
      out[k] = n;
    }
    return out;
  }
  if (key === "intValue" && typeof value === "number") return String(value);
  if (/^(traceId|spanId|parentSpanId)$/.test(key) && typeof value === "string") return value.toLowerCase();
  return value;
}

/** Spans sorted by id (exporters and our grouping may order within a scope differently). */
function sortSpans(doc: { resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[] }) {
  for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) ss.spans.sort((a, b) => a.spanId.localeCompare(b.spanId));
  return doc;
}

const rows = (b: RecordBatch | null) => (b ? b.toArray().map((r) => r.toJSON()) : []);

describe("OpenTelemetry JS SDK round trip", () => {
  const spans = recordSpans();
  const sent = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!));

  test("protobuf and JSON requests decode to the same rows", () => {
    const viaProtobuf = decodeExport("traces", ProtobufTraceSerializer.serializeRequest(spans)!, "protobuf", "b");
    const viaJson = decodeExport("traces", JsonTraceSerializer.serializeRequest(spans)!, "json", "b");
    expect(viaProtobuf).toMatchObject({ accepted: 3, rejected: 0 });
    expect(rows(viaJson.batch)).toEqual(rows(viaProtobuf.batch));
  });

  test("tracesToOtlp gives back what the exporter sent", () => {
    const decoded = decodeExport("traces", ProtobufTraceSerializer.serializeRequest(spans)!, "protobuf", "b");
    const doc = tracesToOtlp(decoded.batch!);
    expect(sortSpans(normalize(doc) as never)).toEqual(sortSpans(normalize(sent) as never));
    // rows → document also works from plain row objects (e.g. from DuckDB)
    expect(tracesToOtlp(rows(decoded.batch) as never)).toEqual(doc);
  });

  test("encodeTracesProtobuf(doc) decodes back to the same rows", () => {
    const decoded = decodeExport("traces", ProtobufTraceSerializer.serializeRequest(spans)!, "protobuf", "b");
    const bytes = encodeTracesProtobuf(tracesToOtlp(decoded.batch!));
    // TracesData and ExportTraceServiceRequest share their field numbers.
    expect(rows(decodeExport("traces", bytes, "protobuf", "b").batch)).toEqual(rows(decoded.batch));
  });
});
