/**
 * The three signal tables, as Arrow schemas. This is the contract between the acceptor
 * (OTLP → Arrow), the writer (Arrow → WAL → Parquet), the querier (Parquet + live rows →
 * answers) and the router (answers → Tempo / Loki / OTLP JSON).
 *
 * Conventions:
 * - ids are lower-case hex strings (trace 32 chars, span 16), "" when absent;
 * - times are Int64 nanoseconds since the epoch (built from BigInt64Array, never from the
 *   Arrow builder, which loses precision);
 * - attributes, bodies, events and links are kept as OTLP/JSON text (typed values:
 *   `[{"key":"k","value":{"intValue":"3"}}]`), so a record read back is the record sent;
 * - `batch_id` names the write that carried the row: the unit of idempotency and dedupe.
 */
import { Bool, Field, Float64, Int32, Int64, Schema, Utf8, type DataType } from "apache-arrow";

export type TableName = "traces" | "logs" | "metrics";
export const TABLE_NAMES: readonly TableName[] = ["traces", "logs", "metrics"];

const col = (name: string, type: DataType, nullable = false) => new Field(name, type, nullable);

export const tracesSchema = new Schema([
  col("batch_id", new Utf8()),
  col("trace_id", new Utf8()),
  col("span_id", new Utf8()),
  col("parent_span_id", new Utf8()),
  col("trace_state", new Utf8()),
  col("name", new Utf8()),
  col("kind", new Int32()),
  col("flags", new Int64()),
  col("start_time_unix_nano", new Int64()),
  col("end_time_unix_nano", new Int64()),
  col("duration_nano", new Int64()),
  col("status_code", new Int32()),
  col("status_message", new Utf8()),
  col("service_name", new Utf8()),
  col("attributes", new Utf8()),
  col("dropped_attributes_count", new Int32()),
  col("events", new Utf8()),
  col("dropped_events_count", new Int32()),
  col("links", new Utf8()),
  col("dropped_links_count", new Int32()),
  col("resource_attributes", new Utf8()),
  col("resource_dropped_attributes_count", new Int32()),
  col("resource_schema_url", new Utf8()),
  col("scope_name", new Utf8()),
  col("scope_version", new Utf8()),
  col("scope_attributes", new Utf8()),
  col("scope_dropped_attributes_count", new Int32()),
  col("scope_schema_url", new Utf8()),
]);

export const logsSchema = new Schema([
  col("batch_id", new Utf8()),
  col("time_unix_nano", new Int64()),
  col("observed_time_unix_nano", new Int64()),
  col("severity_number", new Int32()),
  col("severity_text", new Utf8()),
  col("body", new Utf8()),
  col("attributes", new Utf8()),
  col("dropped_attributes_count", new Int32()),
  col("flags", new Int64()),
  col("trace_id", new Utf8()),
  col("span_id", new Utf8()),
  col("event_name", new Utf8()),
  col("service_name", new Utf8()),
  col("resource_attributes", new Utf8()),
  col("resource_dropped_attributes_count", new Int32()),
  col("resource_schema_url", new Utf8()),
  col("scope_name", new Utf8()),
  col("scope_version", new Utf8()),
  col("scope_attributes", new Utf8()),
  col("scope_dropped_attributes_count", new Int32()),
  col("scope_schema_url", new Utf8()),
]);

/**
 * One row per data point. `metric_type` is gauge | sum | histogram | exponential_histogram |
 * summary. Scalar points fill `value_double` or `value_int` (the other is null); the
 * distribution types fill count/sum/min/max and keep their shape in `distribution`
 * (OTLP/JSON of bucketCounts + explicitBounds, scale + zeroCount + positive + negative, or
 * quantileValues).
 *
 * Rows written by Prometheus remote write have `metric_type` REMOTE_WRITE_SAMPLE_TYPE (a
 * sample: name and labels as sent, in `metric_name` and `attributes`) or
 * REMOTE_WRITE_METADATA_TYPE (a metric family's type, help and unit; no sample):
 * shared/remote-write/decode.ts.
 */
export const metricsSchema = new Schema([
  col("batch_id", new Utf8()),
  col("metric_name", new Utf8()),
  col("metric_description", new Utf8()),
  col("metric_unit", new Utf8()),
  col("metric_type", new Utf8()),
  col("metric_metadata", new Utf8()),
  col("aggregation_temporality", new Int32()),
  col("is_monotonic", new Bool()),
  col("start_time_unix_nano", new Int64()),
  col("time_unix_nano", new Int64()),
  col("value_double", new Float64(), true),
  col("value_int", new Int64(), true),
  col("count", new Int64(), true),
  col("sum", new Float64(), true),
  col("min", new Float64(), true),
  col("max", new Float64(), true),
  col("distribution", new Utf8()),
  col("exemplars", new Utf8()),
  col("flags", new Int64()),
  col("attributes", new Utf8()),
  col("service_name", new Utf8()),
  col("resource_attributes", new Utf8()),
  col("resource_dropped_attributes_count", new Int32()),
  col("resource_schema_url", new Utf8()),
  col("scope_name", new Utf8()),
  col("scope_version", new Utf8()),
  col("scope_attributes", new Utf8()),
  col("scope_dropped_attributes_count", new Int32()),
  col("scope_schema_url", new Utf8()),
]);

export const REMOTE_WRITE_SAMPLE_TYPE = "prometheus";
export const REMOTE_WRITE_METADATA_TYPE = "prometheus_metadata";

export const TABLE_SCHEMAS: Record<TableName, Schema> = {
  traces: tracesSchema,
  logs: logsSchema,
  metrics: metricsSchema,
};

/** The column that places a row in time (partition folders, pruning, retention). */
export const TIME_COLUMN: Record<TableName, string> = {
  traces: "start_time_unix_nano",
  logs: "time_unix_nano",
  metrics: "time_unix_nano",
};

/** Parquet sort order: the table's main access path. */
export const SORT_ORDER: Record<TableName, string[]> = {
  traces: ["trace_id", "start_time_unix_nano"],
  logs: ["service_name", "time_unix_nano"],
  metrics: ["metric_name", "service_name", "time_unix_nano"],
};
