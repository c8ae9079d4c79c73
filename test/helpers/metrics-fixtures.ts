/**
 * Metrics test data in both ingest forms: OTLP/JSON export requests (decoded by the acceptor's
 * own decoder) and remote write bodies, turned into `metrics` table batches.
 */
import type { RecordBatch } from "apache-arrow";
import { decodeExport } from "../../shared/otlp/index.ts";
import { decodeRemoteWrite } from "../../shared/remote-write/index.ts";
import { remoteWriteBody, type RwMetadata, type RwSeries } from "./remote-write-encode.ts";

const kv = (attrs: Record<string, string | number>) =>
  Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } }));

export interface OtlpMetricSpec {
  name: string;
  unit?: string;
  description?: string;
  kind: "gauge" | "counter" | "histogram";
  points: {
    timeMs: number;
    value?: number;
    attrs?: Record<string, string | number>;
    /** Histogram: bounds and per-bucket counts (one more than bounds), sum. */
    bounds?: number[];
    counts?: number[];
    sum?: number;
    exemplar?: { value: number; timeMs: number; traceId: string; spanId: string };
    noRecordedValue?: boolean;
  }[];
}

/** An OTLP/JSON ExportMetricsServiceRequest with one resource. */
export function otlpMetricsJson(resource: Record<string, string | number>, metrics: OtlpMetricSpec[]): string {
  const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
  const metric = (m: OtlpMetricSpec) => {
    const points = m.points.map((p) => {
      const base = {
        attributes: kv(p.attrs ?? {}),
        timeUnixNano: ns(p.timeMs),
        startTimeUnixNano: ns(0),
        flags: p.noRecordedValue ? 1 : 0,
        exemplars: p.exemplar
          ? [{ asDouble: p.exemplar.value, timeUnixNano: ns(p.exemplar.timeMs), traceId: p.exemplar.traceId, spanId: p.exemplar.spanId }]
          : [],
      };
      if (m.kind !== "histogram") return { ...base, asDouble: p.value ?? 0 };
      const counts = p.counts ?? [];
      return { ...base, count: String(counts.reduce((a, b) => a + b, 0)), sum: p.sum ?? 0, bucketCounts: counts.map(String), explicitBounds: p.bounds ?? [] };
    });
    const head = { name: m.name, unit: m.unit ?? "", description: m.description ?? "" };
    if (m.kind === "gauge") return { ...head, gauge: { dataPoints: points } };
    if (m.kind === "counter") return { ...head, sum: { dataPoints: points, aggregationTemporality: 2, isMonotonic: true } };
    return { ...head, histogram: { dataPoints: points, aggregationTemporality: 2 } };
  };
  return JSON.stringify({
    resourceMetrics: [{ resource: { attributes: kv(resource) }, scopeMetrics: [{ scope: { name: "test" }, metrics: metrics.map(metric) }] }],
  });
}

export function otlpMetricsBatch(resource: Record<string, string | number>, metrics: OtlpMetricSpec[]): RecordBatch {
  const decoded = decodeExport("metrics", new TextEncoder().encode(otlpMetricsJson(resource, metrics)), "json", "otlp-batch");
  if (!decoded.batch) throw new Error(`no rows: ${decoded.rejectReason}`);
  return decoded.batch;
}

export function remoteWriteBatch(series: RwSeries[], metadata: RwMetadata[] = []): RecordBatch {
  const decoded = decodeRemoteWrite(remoteWriteBody(series, metadata), "rw-batch", 64 * 1024 * 1024);
  if (!decoded.batch) throw new Error(`no rows: ${decoded.rejectReason}`);
  return decoded.batch;
}
