/**
 * A log entry's structured metadata, as Loki stores an OTLP log record's (`LogAttrsToLabels`,
 * `ScopeAttrsToStructuredMetadata` in grafana/loki): every log attribute, then
 * `observed_timestamp` (when the record has its own time), `severity_number`, `severity_text`,
 * `dropped_attributes_count`, `flags`, `trace_id`, `span_id`, `event_name` when set; the
 * resource's non-indexed attributes; the scope's attributes, `scope_name`, `scope_version`,
 * `scope_dropped_attributes_count`; and `detected_level` (detected-level.ts). Later members
 * of that order win a name clash, as in Loki's label set.
 *
 * Rows from Loki push carry their pushed metadata as log attributes and nothing else.
 */
import type { Labels } from "../series/index.ts";
import { DETECTED_LEVEL, LOKI_PUSH_SCHEMA_URL } from "./defaults.ts";
import { detectedLevel } from "./detected-level.ts";
import { anyValueText, attributeLabels, parseAttributes } from "./label-name.ts";
import type { LokiLogFields } from "./log-row.ts";
import type { ResourceSplit } from "./stream-labels.ts";

/** Names of the metadata a log record's own fields give (for label browsers and docs). */
export const RECORD_FIELD_METADATA = [
  "observed_timestamp",
  "severity_number",
  "severity_text",
  "dropped_attributes_count",
  "flags",
  "trace_id",
  "span_id",
  "event_name",
  "scope_name",
  "scope_version",
  "scope_dropped_attributes_count",
] as const;

/**
 * Log attributes as labels, remembered by their text: many records of a service carry the
 * same attribute set, and parsing the JSON is most of building an entry's metadata.
 */
const attributeCache = new Map<string, Readonly<Record<string, string>>>();
const CACHE_ENTRIES = 4096;
const CACHED_TEXT_CHARS = 512;

function logAttributeLabels(text: string, pushed: boolean): Readonly<Record<string, string>> {
  const key = pushed ? `p${text}` : text;
  let labels = attributeCache.get(key);
  if (labels === undefined) {
    const out: Record<string, string> = {};
    for (const { key: k, value } of parseAttributes(text)) {
      if (pushed) out[k] = anyValueText(value);
      else attributeLabels(k, value, out);
    }
    labels = out;
    if (text.length <= CACHED_TEXT_CHARS) {
      if (attributeCache.size >= CACHE_ENTRIES) attributeCache.clear();
      attributeCache.set(key, labels);
    }
  }
  return labels;
}

export function structuredMetadata(row: LokiLogFields, resource: ResourceSplit, line: string): Labels {
  const out: Record<string, string> = {};
  if (row.resourceSchemaUrl === LOKI_PUSH_SCHEMA_URL) {
    Object.assign(out, logAttributeLabels(row.attributes, true));
  } else {
    Object.assign(out, logAttributeLabels(row.attributes, false));
    // The record's own event_name field wins over an attribute of that name.
    if (row.eventName !== "") delete out.event_name;
    if (row.timeUnixNano !== 0n && row.observedTimeUnixNano !== 0n) out.observed_timestamp = row.observedTimeUnixNano.toString();
    if (row.severityNumber !== 0) out.severity_number = String(row.severityNumber);
    if (row.severityText !== "") out.severity_text = row.severityText;
    if (row.droppedAttributesCount !== 0) out.dropped_attributes_count = String(row.droppedAttributesCount);
    if (Number(row.flags) !== 0) out.flags = String(row.flags);
    if (row.traceId !== "") out.trace_id = row.traceId;
    if (row.spanId !== "") out.span_id = row.spanId;
    if (row.eventName !== "") out.event_name = row.eventName;
    Object.assign(out, resource.metadata);
    for (const { key, value } of parseAttributes(row.scopeAttributes)) attributeLabels(key, value, out);
    if (row.scopeName !== "") out.scope_name = row.scopeName;
    if (row.scopeVersion !== "") out.scope_version = row.scopeVersion;
    if (row.scopeDroppedAttributesCount !== 0) out.scope_dropped_attributes_count = String(row.scopeDroppedAttributesCount);
  }
  const level = detectedLevel(resource.labels, out, line);
  if (level !== undefined) out[DETECTED_LEVEL] = level;
  return out;
}
