/**
 * Compare two OTLP/JSON trace documents the way a user would: the same resources, scopes and
 * spans with the same ids, times, typed attributes, events, links and status. Only what the
 * OTLP/JSON mapping leaves open is normalised (field order, omitted defaults, int64 as
 * string or number).
 */
type Json = Record<string, any>;

const INT64_FIELDS = new Set(["startTimeUnixNano", "endTimeUnixNano", "timeUnixNano", "intValue"]);
const DEFAULTS_DROPPED = new Set([
  "droppedAttributesCount", "droppedEventsCount", "droppedLinksCount", "traceState", "schemaUrl", "flags", "parentSpanId",
]);

function normalizeValue(key: string, value: unknown): unknown {
  if (INT64_FIELDS.has(key) && (typeof value === "number" || typeof value === "string")) return String(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => normalizeValue("", v));
    if (key === "spans") return items.sort((a: any, b: any) => String(a.spanId).localeCompare(String(b.spanId)));
    if (key === "attributes") return items.sort((a: any, b: any) => String(a.key).localeCompare(String(b.key)));
    return items;
  }
  if (value && typeof value === "object") {
    const out: Json = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Json)[k];
      if (v === undefined || v === null) continue;
      if (DEFAULTS_DROPPED.has(k) && (v === 0 || v === "" || v === "0")) continue;
      if (Array.isArray(v) && v.length === 0) continue;
      if (k === "status" && v && typeof v === "object" && Object.keys(v).every((sk) => !v[sk])) continue;
      out[k] = normalizeValue(k, v);
    }
    return out;
  }
  return value;
}

/** Spans regrouped by resource+scope, each part normalised, so grouping differences do not matter. */
export function canonicalTrace(doc: { resourceSpans?: Json[] }): Json[] {
  const spans: Json[] = [];
  for (const rs of doc.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        spans.push(
          normalizeValue("", {
            resource: { ...(rs.resource ?? {}), schemaUrl: rs.schemaUrl ?? "" },
            scope: { ...(ss.scope ?? {}), schemaUrl: ss.schemaUrl ?? "" },
            span,
          }) as Json,
        );
      }
    }
  }
  return spans.sort((a, b) => String(a.span.spanId).localeCompare(String(b.span.spanId)));
}
