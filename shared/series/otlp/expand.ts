/**
 * One stored data point → its Prometheus samples: a number point is one sample; a histogram
 * point is one cumulative `_bucket{le}` sample per bound plus `le="+Inf"` (= count), `_sum`
 * (when the point has one) and `_count`; a summary point is one `{quantile}` sample per
 * quantile, `_sum` and `_count`. A point flagged "no recorded value" becomes a stale marker
 * on each of its series, as Prometheus's OTLP receiver writes it.
 */
import type { MetricFamily } from "./family.ts";

/** The columns of a `metrics` row the read path needs, decoded. */
export interface MetricRow {
  timeMs: number;
  /** value_double, or value_int as a number; null when the row has no sample. */
  value: number | null;
  count: number | null;
  sum: number | null;
  distribution: string;
  flags: number;
}

const NO_RECORDED_VALUE = 1;

/**
 * `emit(suffix, extra labels or null, value)` for each sample of the row; a stale marker is
 * `STALE`, which the collector writes as the marker's bits (a JavaScript NaN loses them).
 */
export type SampleSink = (suffix: string, extra: Readonly<Record<string, string>> | null, value: number | typeof STALE) => void;

export const STALE = Symbol("stale marker");

export function expandRow(family: MetricFamily, row: MetricRow, emit: SampleSink): void {
  const stale = (row.flags & NO_RECORDED_VALUE) !== 0;
  switch (family.shape) {
    case "number":
    case "remote_write":
      if (stale) emit("", null, STALE);
      else if (row.value !== null) emit("", null, row.value);
      return;
    case "histogram":
      return expandHistogram(row, stale, emit);
    case "summary":
      return expandSummary(row, stale, emit);
  }
}

function expandHistogram(row: MetricRow, stale: boolean, emit: SampleSink): void {
  const shape = parseJson<{ bucketCounts?: string[]; explicitBounds?: number[] }>(row.distribution);
  const bounds = shape.explicitBounds ?? [];
  const counts = shape.bucketCounts ?? [];
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += Number(counts[i] ?? 0);
    emit("_bucket", { le: formatBound(bounds[i]!) }, stale ? STALE : cumulative);
  }
  const count = row.count ?? 0;
  emit("_bucket", { le: "+Inf" }, stale ? STALE : count);
  if (stale || row.sum !== null) emit("_sum", null, stale ? STALE : row.sum!);
  emit("_count", null, stale ? STALE : count);
}

function expandSummary(row: MetricRow, stale: boolean, emit: SampleSink): void {
  const shape = parseJson<{ quantileValues?: { quantile: number; value: number | string }[] }>(row.distribution);
  for (const q of shape.quantileValues ?? []) {
    emit("", { quantile: formatBound(q.quantile) }, stale ? STALE : jsonDouble(q.value));
  }
  emit("_sum", null, stale ? STALE : (row.sum ?? 0));
  emit("_count", null, stale ? STALE : (row.count ?? 0));
}

function parseJson<T>(text: string): T {
  return (text === "" ? {} : JSON.parse(text)) as T;
}

/** A double as the protobuf JSON mapping writes it (non-finite values are strings). */
function jsonDouble(v: number | string): number {
  if (typeof v === "number") return v;
  return v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : Number.NaN;
}

/**
 * A bucket bound or quantile as Prometheus writes it in `le` / `quantile`: Go's
 * FormatFloat(v, 'f', -1, 64), the shortest digits that round-trip, never an exponent.
 */
export function formatBound(v: number | string): string {
  const n = jsonDouble(v);
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  if (Number.isNaN(n)) return "NaN";
  const text = String(n);
  const e = text.indexOf("e");
  if (e < 0) return text;
  const exponent = Number(text.slice(e + 1));
  const negative = text.startsWith("-");
  const digits = text.slice(negative ? 1 : 0, e).replace(".", "");
  const pointAt = text.slice(negative ? 1 : 0, e).indexOf(".");
  const intDigits = (pointAt < 0 ? digits.length : pointAt) + exponent;
  let plain: string;
  if (intDigits <= 0) plain = `0.${"0".repeat(-intDigits)}${digits}`;
  else if (intDigits >= digits.length) plain = digits + "0".repeat(intDigits - digits.length);
  else plain = `${digits.slice(0, intDigits)}.${digits.slice(intDigits)}`;
  return negative ? `-${plain}` : plain;
}
