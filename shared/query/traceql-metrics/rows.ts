/**
 * What the querier's SQL hands the metrics evaluator: spans already grouped per series and
 * interval (counts, sums, extremes, power-of-two buckets), the spans picked as exemplars, and
 * compare()'s counts per attribute value. The evaluator (series.ts) turns them into series.
 */

/** A TraceQL value as a series label carries it; `text` is its canonical text. */
export type ValueType = "string" | "int" | "double" | "bool" | "status" | "kind" | "nil";
export interface TypedValue {
  type: ValueType;
  text: string;
}

export const NIL: TypedValue = { type: "nil", text: "" };

export interface TypedLabel {
  name: string;
  value: TypedValue;
}

/** One (series, interval) of a span → series function. */
export interface GroupRow {
  /** The span's value of each by() attribute, in order (NIL when absent). */
  keys: TypedValue[];
  /** Power-of-two bucket of the value (quantile_over_time, histogram_over_time). */
  bucket: number | null;
  interval: number;
  /** Matching spans. */
  count: number;
  /** Spans with a numeric value of the function's attribute, and their sum / min / max. */
  valueCount: number;
  sum: number | null;
  min: number | null;
  max: number | null;
}

/** A span chosen as an exemplar of its series and interval. */
export interface ExemplarRow {
  keys: TypedValue[];
  bucket: number | null;
  interval: number;
  traceId: string;
  spanId: string;
  timeMs: number;
  /** The function's value for the span (seconds for durations); null: no value (NaN). */
  value: number | null;
}

/** compare(): spans per attribute value and interval, in the baseline or the selection. */
export interface CompareRow {
  selection: boolean;
  /** The attribute as Tempo names it (`span.http.method`, `resource.service.name`, `name`). */
  attribute: string;
  value: TypedValue;
  interval: number;
  count: number;
}
