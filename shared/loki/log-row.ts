/**
 * A `logs` table row as the Loki model reads it: the columns of shared/tables/tables.ts that
 * decide a Loki entry's stream labels, structured metadata and line. Attribute columns are
 * their OTLP/JSON text.
 */
export interface LokiResourceFields {
  serviceName: string;
  resourceAttributes: string;
  resourceSchemaUrl: string;
}

export interface LokiLogFields extends LokiResourceFields {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: string;
  droppedAttributesCount: number;
  flags: bigint | number;
  traceId: string;
  spanId: string;
  eventName: string;
  scopeName: string;
  scopeVersion: string;
  scopeAttributes: string;
  scopeDroppedAttributesCount: number;
}

/** The `logs` columns each field comes from, for SQL that selects a row for the model. */
export const LOKI_LOG_COLUMNS: Readonly<Record<keyof LokiLogFields, string>> = {
  serviceName: "service_name",
  resourceAttributes: "resource_attributes",
  resourceSchemaUrl: "resource_schema_url",
  timeUnixNano: "time_unix_nano",
  observedTimeUnixNano: "observed_time_unix_nano",
  severityNumber: "severity_number",
  severityText: "severity_text",
  body: "body",
  attributes: "attributes",
  droppedAttributesCount: "dropped_attributes_count",
  flags: "flags",
  traceId: "trace_id",
  spanId: "span_id",
  eventName: "event_name",
  scopeName: "scope_name",
  scopeVersion: "scope_version",
  scopeAttributes: "scope_attributes",
  scopeDroppedAttributesCount: "scope_dropped_attributes_count",
};
