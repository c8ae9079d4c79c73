/**
 * SQL for the values a metrics stage reads from a span: the typed value of a by() attribute
 * (dedicated-column text form: type letter + text, NULL when absent; `S` status, `K` kind),
 * the numeric value of the function's attribute (durations in seconds, as Tempo reports
 * them) and its power-of-two bucket.
 */
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { KIND_CODE, STATUS_CODE } from "../../../../shared/query/traceql/index.ts";
import type { traceqlMetrics } from "../../../../shared/query/index.ts";
import { attributeValueSql, type AttributeColumn } from "../attribute-sql.ts";
import { dedicatedColumn, typedValueSql } from "../dedicated-sql.ts";

type MetricsAttribute = traceqlMetrics.MetricsAttribute;

/** Columns the full (trace-aware) pass adds: root span's service and name, the trace's duration. */
export const TRACE_COLUMNS = { rootServiceName: "_root_service", rootName: "_root_name", traceDuration: "_trace_duration" } as const;

const codeCase = (column: string, codes: Record<string, number>) =>
  `CASE ${column} ${Object.entries(codes).map(([name, code]) => `WHEN ${code} THEN ${quoteLiteral(name)}`).join(" ")} END`;

/** True when the attribute needs the trace-aware pass (root span, trace duration). */
export function needsTrace(a: MetricsAttribute | undefined): boolean {
  return a?.type === "intrinsic" && (a.name === "rootName" || a.name === "rootServiceName" || a.name === "traceDuration");
}

function attributeTyped(column: AttributeColumn, key: string): string {
  const dedicated = dedicatedColumn(column, key);
  if (dedicated !== undefined) return `NULLIF(${dedicated}, 'x')`;
  if (column === "resource_attributes" && key === "service.name") return `('s' || NULLIF(service_name, ''))`;
  return `NULLIF(${typedValueSql(attributeValueSql(column, key))}, 'x')`;
}

export function typedSql(a: MetricsAttribute): string {
  if (a.type === "intrinsic") {
    switch (a.name) {
      case "name":
        return `('s' || name)`;
      case "status":
        return `('S' || ${codeCase("status_code", STATUS_CODE)})`;
      case "kind":
        return `('K' || ${codeCase("kind", KIND_CODE)})`;
      case "statusMessage":
        return `('s' || status_message)`;
      case "duration":
        return `('i' || duration_nano)`;
      case "rootName":
        return `('s' || ${TRACE_COLUMNS.rootName})`;
      case "rootServiceName":
        return `('s' || ${TRACE_COLUMNS.rootServiceName})`;
      case "traceDuration":
        return `('i' || ${TRACE_COLUMNS.traceDuration})`;
      case "spanID":
        return `('s' || span_id)`;
      case "traceID":
        return `('s' || trace_id)`;
    }
  }
  if (a.scope === "span") return attributeTyped("attributes", a.name);
  if (a.scope === "resource") return attributeTyped("resource_attributes", a.name);
  return `coalesce(${attributeTyped("attributes", a.name)}, ${attributeTyped("resource_attributes", a.name)})`;
}

/** Number of a typed value: ints and doubles (Tempo's FloatizeAttribute), NULL otherwise. */
function numberOf(typed: string): string {
  return `list_transform([${typed}], lambda _t: CASE left(_t, 1) WHEN 'i' THEN TRY_CAST(substr(_t, 2) AS DOUBLE) WHEN 'd' THEN TRY_CAST(substr(_t, 2) AS DOUBLE) END)[1]`;
}

const isDuration = (a: MetricsAttribute) => a.type === "intrinsic" && (a.name === "duration" || a.name === "traceDuration");
const nanosOf = (a: MetricsAttribute) => (a.type === "intrinsic" && a.name === "traceDuration" ? TRACE_COLUMNS.traceDuration : "duration_nano");

/** The function's value of a span: durations in seconds, numeric attributes as they are. */
export function numericSql(a: MetricsAttribute): string {
  if (isDuration(a)) return `(${nanosOf(a)} / 1e9)`;
  return numberOf(typedSql(a));
}

/**
 * Tempo's bucket of the value (Log2Bucketize) is the next power of two of the nanoseconds (as
 * seconds) or of an int attribute; none below 2 and for doubles (Tempo drops those spans).
 * Spans are grouped by its exponent (bucketExponentSql: NULL for no bucket), and each group's
 * bound is computed once from it (bucketBoundSql), not once per span.
 */
export function bucketExponentSql(a: MetricsAttribute): string {
  if (isDuration(a)) {
    const ns = nanosOf(a);
    return `(CASE WHEN ${ns} >= 2 THEN ceil(log2(${ns}::DOUBLE)) END)`;
  }
  const int = `list_transform([${typedSql(a)}], lambda _t: CASE WHEN left(_t, 1) = 'i' THEN TRY_CAST(substr(_t, 2) AS DOUBLE) END)[1]`;
  return `list_transform([${int}], lambda _n: CASE WHEN _n >= 2 THEN ceil(log2(_n)) END)[1]`;
}

/** The bucket's upper bound from its exponent (bucketExponentSql), in seconds for durations. */
export function bucketBoundSql(a: MetricsAttribute, exponent: string): string {
  return isDuration(a) ? `(pow(2, ${exponent}) / 1e9)` : `pow(2, ${exponent})`;
}

/** Typed text (as typedSql writes it) → the evaluator's TypedValue. */
export function typedValueOf(text: string | null): traceqlMetrics.TypedValue {
  if (text === null || text === "") return { type: "nil", text: "" };
  const body = text.slice(1);
  switch (text[0]) {
    case "s":
      return { type: "string", text: body };
    case "i":
      return { type: "int", text: body };
    case "d":
      return { type: "double", text: body };
    case "b":
      return { type: "bool", text: body };
    case "S":
      return { type: "status", text: body };
    case "K":
      return { type: "kind", text: body };
    default:
      return { type: "nil", text: "" };
  }
}
