/**
 * Query path: stored rows → the OTLP/JSON document an OTLP/JSON exporter would have sent
 * (`{ resourceSpans: [...] }` / `{ resourceLogs: [...] }`), and its protobuf encoding.
 *
 * Rows are grouped by resource (equal attribute text, dropped count and schema url), then by
 * scope, keeping first-seen order. Default values are omitted the way OTLP/JSON allows
 * (dropped counts, flags, trace state, parent id only when set); ids are hex, times decimal
 * strings, kind and status code integers.
 */
import type { RecordBatch, Table } from "apache-arrow";
import { arrowRows } from "./arrow-rows.ts";
import { otlpJsonToProtobuf } from "./json-to-protobuf.ts";
import { otlpRoot } from "./proto.ts";

/** An Int64 column value as it may come from Arrow (bigint), DuckDB or JSON. */
export type Int64Value = bigint | number | string;

/** The resource and scope columns every table has (see signals/context-columns.ts). */
export interface ContextRow {
  resource_attributes: string;
  resource_dropped_attributes_count: number;
  resource_schema_url: string;
  scope_name: string;
  scope_version: string;
  scope_attributes: string;
  scope_dropped_attributes_count: number;
  scope_schema_url: string;
}

/** One `traces` row (column names of tracesSchema). */
export interface TraceRow extends ContextRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  name: string;
  kind: number;
  flags: Int64Value;
  start_time_unix_nano: Int64Value;
  end_time_unix_nano: Int64Value;
  status_code: number;
  status_message: string;
  attributes: string;
  dropped_attributes_count: number;
  events: string;
  dropped_events_count: number;
  links: string;
  dropped_links_count: number;
}

/** One `logs` row (column names of logsSchema). */
export interface LogRow extends ContextRow {
  time_unix_nano: Int64Value;
  observed_time_unix_nano: Int64Value;
  severity_number: number;
  severity_text: string;
  body: string;
  attributes: string;
  dropped_attributes_count: number;
  flags: Int64Value;
  trace_id: string;
  span_id: string;
  event_name: string;
}

type Json = Record<string, unknown>;

export interface OtlpTracesDocument {
  resourceSpans: Json[];
}

export interface OtlpLogsDocument {
  resourceLogs: Json[];
}

const decimal = (v: Int64Value | null | undefined): string => (v === null || v === undefined ? "0" : typeof v === "string" ? v : v.toString());
const nonZero = (v: Int64Value | null | undefined): boolean => v !== null && v !== undefined && decimal(v) !== "0";
const parseList = (text: string | null | undefined): unknown[] => (text ? (JSON.parse(text) as unknown[]) : []);

/** Arrow rows as plain objects (column name → value); other iterables pass through. */
function rowsOf<T>(rows: Iterable<T> | Table | RecordBatch): Iterable<T> {
  return isTable(rows) ? arrowRows<T>(rows) : rows;
}

function isTable(x: unknown): x is Table | RecordBatch {
  return typeof x === "object" && x !== null && "schema" in x && "getChild" in x && "numRows" in x;
}

interface ScopeGroup {
  scope: Json;
  schemaUrl: string;
  items: Json[];
}

interface ResourceGroup {
  resource: Json;
  schemaUrl: string;
  scopes: Map<string, ScopeGroup>;
}

/** Groups items by resource then scope; returns the ResourceX array with `scopeKey` / `itemsKey`. */
function group<R extends ContextRow>(rows: Iterable<R>, toItem: (row: R) => Json, scopeKey: string, itemsKey: string): Json[] {
  const resources = new Map<string, ResourceGroup>();
  for (const row of rows) {
    const resKey = `${row.resource_attributes}\u0000${row.resource_dropped_attributes_count}\u0000${row.resource_schema_url}`;
    let res = resources.get(resKey);
    if (!res) {
      const resource: Json = { attributes: parseList(row.resource_attributes) };
      if (row.resource_dropped_attributes_count) resource.droppedAttributesCount = row.resource_dropped_attributes_count;
      res = { resource, schemaUrl: row.resource_schema_url ?? "", scopes: new Map() };
      resources.set(resKey, res);
    }
    const sKey = `${row.scope_name}\u0000${row.scope_version}\u0000${row.scope_attributes}\u0000${row.scope_dropped_attributes_count}\u0000${row.scope_schema_url}`;
    let scope = res.scopes.get(sKey);
    if (!scope) {
      const s: Json = { name: row.scope_name ?? "" };
      if (row.scope_version) s.version = row.scope_version;
      const attrs = parseList(row.scope_attributes);
      if (attrs.length > 0) s.attributes = attrs;
      if (row.scope_dropped_attributes_count) s.droppedAttributesCount = row.scope_dropped_attributes_count;
      scope = { scope: s, schemaUrl: row.scope_schema_url ?? "", items: [] };
      res.scopes.set(sKey, scope);
    }
    scope.items.push(toItem(row));
  }
  return [...resources.values()].map((res) => {
    const out: Json = { resource: res.resource };
    out[scopeKey] = [...res.scopes.values()].map((s) => {
      const scoped: Json = { scope: s.scope, [itemsKey]: s.items };
      if (s.schemaUrl) scoped.schemaUrl = s.schemaUrl;
      return scoped;
    });
    if (res.schemaUrl) out.schemaUrl = res.schemaUrl;
    return out;
  });
}

function spanJson(row: TraceRow): Json {
  const span: Json = { traceId: row.trace_id, spanId: row.span_id };
  if (row.trace_state) span.traceState = row.trace_state;
  if (row.parent_span_id) span.parentSpanId = row.parent_span_id;
  if (nonZero(row.flags)) span.flags = Number(row.flags);
  span.name = row.name ?? "";
  span.kind = row.kind ?? 0;
  span.startTimeUnixNano = decimal(row.start_time_unix_nano);
  span.endTimeUnixNano = decimal(row.end_time_unix_nano);
  span.attributes = parseList(row.attributes);
  if (row.dropped_attributes_count) span.droppedAttributesCount = row.dropped_attributes_count;
  const events = parseList(row.events);
  if (events.length > 0) span.events = events;
  if (row.dropped_events_count) span.droppedEventsCount = row.dropped_events_count;
  const links = parseList(row.links);
  if (links.length > 0) span.links = links;
  if (row.dropped_links_count) span.droppedLinksCount = row.dropped_links_count;
  const status: Json = {};
  if (row.status_message) status.message = row.status_message;
  if (row.status_code) status.code = row.status_code;
  span.status = status;
  return span;
}

function logJson(row: LogRow): Json {
  const log: Json = {
    timeUnixNano: decimal(row.time_unix_nano),
    observedTimeUnixNano: decimal(row.observed_time_unix_nano),
  };
  if (row.severity_number) log.severityNumber = row.severity_number;
  if (row.severity_text) log.severityText = row.severity_text;
  if (row.event_name) log.eventName = row.event_name;
  if (row.body) log.body = JSON.parse(row.body) as unknown;
  log.attributes = parseList(row.attributes);
  if (row.dropped_attributes_count) log.droppedAttributesCount = row.dropped_attributes_count;
  if (nonZero(row.flags)) log.flags = Number(row.flags);
  if (row.trace_id) log.traceId = row.trace_id;
  if (row.span_id) log.spanId = row.span_id;
  return log;
}

/** `traces` rows → OTLP/JSON TracesData (`{ resourceSpans }`). */
export function tracesToOtlp(rows: Iterable<TraceRow> | Table | RecordBatch): OtlpTracesDocument {
  return { resourceSpans: group(rowsOf(rows), spanJson, "scopeSpans", "spans") };
}

/** `logs` rows → OTLP/JSON LogsData (`{ resourceLogs }`). */
export function logsToOtlp(rows: Iterable<LogRow> | Table | RecordBatch): OtlpLogsDocument {
  return { resourceLogs: group(rowsOf(rows), logJson, "scopeLogs", "logRecords") };
}

/** OTLP/JSON TracesData → protobuf bytes of `opentelemetry.proto.trace.v1.TracesData`. */
export function encodeTracesProtobuf(doc: OtlpTracesDocument): Uint8Array<ArrayBuffer> {
  return otlpJsonToProtobuf(otlpRoot().lookupType("opentelemetry.proto.trace.v1.TracesData"), doc);
}

/** OTLP/JSON LogsData → protobuf bytes of `opentelemetry.proto.logs.v1.LogsData`. */
export function encodeLogsProtobuf(doc: OtlpLogsDocument): Uint8Array<ArrayBuffer> {
  return otlpJsonToProtobuf(otlpRoot().lookupType("opentelemetry.proto.logs.v1.LogsData"), doc);
}
