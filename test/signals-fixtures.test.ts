/**
 * The reference OTLP/JSON examples (test/fixtures/otlp) decode to rows whose every column
 * matches the file, and the same documents sent as protobuf decode to identical rows.
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import type { RecordBatch } from "apache-arrow";
import { TABLE_SCHEMAS, type TableName } from "../shared/tables/index.ts";
import { decodeExport, exportRequestType, otlpJsonToProtobuf } from "../shared/otlp/index.ts";
import trace from "./fixtures/otlp/trace.json";
import logs from "./fixtures/otlp/logs.json";
import metrics from "./fixtures/otlp/metrics.json";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const json = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));
const describeField = (f: { name: string; type: unknown; nullable: boolean }) => `${f.name}: ${String(f.type)}${f.nullable ? " (nullable)" : ""}`;
const fieldsOf = (batch: RecordBatch) => batch.schema.fields.map(describeField);
const rowsOf = (batch: RecordBatch | null) => (batch ? batch.toArray().map((r) => r.toJSON()) : []);

function decodeBoth(signal: TableName, doc: unknown) {
  const fromJson = decodeExport(signal, json(doc), "json", "batch-1");
  const fromProtobuf = decodeExport(signal, otlpJsonToProtobuf(exportRequestType(signal), doc), "protobuf", "batch-1");
  return { fromJson, fromProtobuf };
}

const resourceColumns = (doc: { resource: { attributes: unknown[] } }, scope: { scope: { name: string; version: string; attributes: unknown[] } }) => ({
  service_name: "my.service",
  resource_attributes: doc.resource.attributes,
  resource_dropped_attributes_count: 0,
  resource_schema_url: "",
  scope_name: scope.scope.name,
  scope_version: scope.scope.version,
  scope_attributes: scope.scope.attributes,
  scope_dropped_attributes_count: 0,
  scope_schema_url: "",
});

/** Parses the JSON-text columns so they compare as values. */
function parsed(row: Record<string, unknown>, jsonColumns: string[]): Record<string, unknown> {
  const out = { ...row };
  for (const c of jsonColumns) out[c] = out[c] === "" ? "" : JSON.parse(out[c] as string);
  return out;
}

describe("fixtures: every column of every row", () => {
  test("trace.json", () => {
    const { fromJson, fromProtobuf } = decodeBoth("traces", trace);
    expect(fromJson).toMatchObject({ accepted: 1, rejected: 0 });
    expect(fieldsOf(fromJson.batch!)).toEqual(TABLE_SCHEMAS.traces.fields.map(describeField));
    const rs = trace.resourceSpans[0];
    const ss = rs.scopeSpans[0];
    const span = ss.spans[0];
    const [row] = rowsOf(fromJson.batch);
    expect(parsed(row, ["attributes", "events", "links", "resource_attributes", "scope_attributes"])).toEqual({
      batch_id: "batch-1",
      trace_id: span.traceId.toLowerCase(),
      span_id: span.spanId.toLowerCase(),
      parent_span_id: span.parentSpanId.toLowerCase(),
      trace_state: "",
      name: span.name,
      kind: span.kind,
      flags: 0n,
      start_time_unix_nano: BigInt(span.startTimeUnixNano),
      end_time_unix_nano: BigInt(span.endTimeUnixNano),
      duration_nano: BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano),
      status_code: 0,
      status_message: "",
      attributes: span.attributes,
      dropped_attributes_count: 0,
      events: [],
      dropped_events_count: 0,
      links: [],
      dropped_links_count: 0,
      ...resourceColumns(rs, ss),
    });
    expect(rowsOf(fromProtobuf.batch)).toEqual(rowsOf(fromJson.batch));
  });

  test("logs.json", () => {
    const { fromJson, fromProtobuf } = decodeBoth("logs", logs);
    expect(fromJson).toMatchObject({ accepted: 1, rejected: 0 });
    expect(fieldsOf(fromJson.batch!)).toEqual(TABLE_SCHEMAS.logs.fields.map(describeField));
    const rl = logs.resourceLogs[0];
    const sl = rl.scopeLogs[0];
    const log = sl.logRecords[0];
    const [row] = rowsOf(fromJson.batch);
    expect(parsed(row, ["body", "attributes", "resource_attributes", "scope_attributes"])).toEqual({
      batch_id: "batch-1",
      time_unix_nano: BigInt(log.timeUnixNano),
      observed_time_unix_nano: BigInt(log.observedTimeUnixNano),
      severity_number: log.severityNumber,
      severity_text: log.severityText,
      body: log.body,
      attributes: log.attributes,
      dropped_attributes_count: 0,
      flags: 0n,
      trace_id: log.traceId.toLowerCase(),
      span_id: log.spanId.toLowerCase(),
      event_name: "",
      ...resourceColumns(rl, sl),
    });
    expect(rowsOf(fromProtobuf.batch)).toEqual(rowsOf(fromJson.batch));
  });

  test("metrics.json: one row per data point of each type", () => {
    const { fromJson, fromProtobuf } = decodeBoth("metrics", metrics);
    expect(fromJson).toMatchObject({ accepted: 4, rejected: 0 });
    expect(fieldsOf(fromJson.batch!)).toEqual(TABLE_SCHEMAS.metrics.fields.map(describeField));
    const rm = metrics.resourceMetrics[0];
    const sm = rm.scopeMetrics[0];
    const [counter, gauge, histogram, exponential] = sm.metrics;
    const common = (m: { name: string; description: string; unit: string }, dp: { attributes: unknown[]; timeUnixNano: string }) => ({
      batch_id: "batch-1",
      metric_name: m.name,
      metric_description: m.description,
      metric_unit: m.unit,
      metric_metadata: [],
      time_unix_nano: BigInt(dp.timeUnixNano),
      exemplars: [],
      flags: 0n,
      attributes: dp.attributes,
      ...resourceColumns(rm, sm),
    });
    const scalarNulls = { value_int: null, count: null, sum: null, min: null, max: null, distribution: "" };
    const rows = rowsOf(fromJson.batch).map((r) => parsed(r, ["metric_metadata", "distribution", "exemplars", "attributes", "resource_attributes", "scope_attributes"]));
    const cp = counter.sum!.dataPoints[0];
    expect(rows[0]).toEqual({
      ...common(counter, cp), ...scalarNulls,
      metric_type: "sum", aggregation_temporality: 1, is_monotonic: true,
      start_time_unix_nano: BigInt(cp.startTimeUnixNano), value_double: cp.asDouble,
    });
    const gp = gauge.gauge!.dataPoints[0];
    expect(rows[1]).toEqual({
      ...common(gauge, gp), ...scalarNulls,
      metric_type: "gauge", aggregation_temporality: 0, is_monotonic: false,
      start_time_unix_nano: 0n, value_double: gp.asDouble,
    });
    const hp = histogram.histogram!.dataPoints[0];
    expect(rows[2]).toEqual({
      ...common(histogram, hp),
      metric_type: "histogram", aggregation_temporality: 1, is_monotonic: false,
      start_time_unix_nano: BigInt(hp.startTimeUnixNano), value_double: null, value_int: null,
      count: BigInt(hp.count), sum: hp.sum, min: hp.min, max: hp.max,
      distribution: { bucketCounts: hp.bucketCounts, explicitBounds: hp.explicitBounds },
    });
    const ep = exponential.exponentialHistogram!.dataPoints[0];
    expect(rows[3]).toEqual({
      ...common(exponential, ep),
      metric_type: "exponential_histogram", aggregation_temporality: 1, is_monotonic: false,
      start_time_unix_nano: BigInt(ep.startTimeUnixNano), value_double: null, value_int: null,
      count: BigInt(ep.count), sum: ep.sum, min: ep.min, max: ep.max,
      distribution: {
        scale: ep.scale, zeroCount: ep.zeroCount, zeroThreshold: ep.zeroThreshold,
        positive: ep.positive, negative: { offset: 0, bucketCounts: [] },
      },
    });
    expect(rowsOf(fromProtobuf.batch)).toEqual(rowsOf(fromJson.batch));
  });
});
