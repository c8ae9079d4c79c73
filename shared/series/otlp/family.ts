/**
 * Which Prometheus series an OTLP metric becomes: its family (name, type, the `__name__`s of
 * its series) from the metric's identity columns. Rows written by Prometheus remote write are
 * already Prometheus series and keep their name (REMOTE_WRITE_SAMPLE_TYPE).
 *
 * Decisions where Prometheus's own OTLP receiver offers choices:
 * - delta sums and delta histograms are exposed as they are (each sample is the change over
 *   its interval), under the plain name (no `_total`, type gauge): summing them over a window
 *   (`sum_over_time`) gives the increase. Turning them into cumulative counters at read time
 *   would give values that depend on where the query's range begins.
 * - exponential histograms are not exposed: the engine has float samples only, Prometheus
 *   stores them as native histograms, and classic buckets made from them would have bounds that
 *   move with the scale. They stay in the table (SQL reads them).
 * - a sum or histogram with unspecified temporality is not exposed (Prometheus refuses it too).
 */
import { REMOTE_WRITE_SAMPLE_TYPE } from "../../tables/index.ts";
import { prometheusMetricName, type NamingKind } from "./names.ts";

export type PrometheusType = "counter" | "gauge" | "histogram" | "summary" | "unknown";

/** The columns that decide a metric's family. */
export interface MetricIdentity {
  name: string;
  unit: string;
  type: string;
  monotonic: boolean;
  /** OTLP AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
  temporality: number;
}

export type FamilyShape = "number" | "histogram" | "summary" | "remote_write";

export interface MetricFamily {
  /** The Prometheus name; for histograms and summaries the name before `_bucket`/`_sum`/`_count`. */
  name: string;
  type: PrometheusType;
  shape: FamilyShape;
  /** The unit as Prometheus spells it (`seconds`), "" when none. */
  unit: string;
  /** The OTLP name, when it is not already the Prometheus name: `{"http.server.duration"}` reaches the family too. */
  otlpName?: string;
  /** Set when the metric has no Prometheus series, with the reason. */
  refused?: string;
}

const DELTA = 1;
const CUMULATIVE = 2;

export function metricFamily(m: MetricIdentity): MetricFamily {
  if (m.type === REMOTE_WRITE_SAMPLE_TYPE) return { name: m.name, type: "unknown", shape: "remote_write", unit: "" };
  const unit = prometheusMetricName("", m.unit, "other");
  const family = (kind: NamingKind, type: PrometheusType, shape: FamilyShape): MetricFamily => {
    const name = prometheusMetricName(m.name, m.unit, kind);
    return name === m.name ? { name, type, shape, unit } : { name, type, shape, unit, otlpName: m.name };
  };
  const refused = (reason: string): MetricFamily => ({ ...family("other", "unknown", "number"), refused: reason });
  switch (m.type) {
    case "gauge":
      return family("gauge", "gauge", "number");
    case "sum":
      if (m.temporality === CUMULATIVE) return m.monotonic ? family("counter", "counter", "number") : family("other", "gauge", "number");
      if (m.temporality === DELTA) return family("other", "gauge", "number");
      return refused("a sum with unspecified aggregation temporality");
    case "histogram":
      if (m.temporality === CUMULATIVE || m.temporality === DELTA) return family("other", "histogram", "histogram");
      return refused("a histogram with unspecified aggregation temporality");
    case "summary":
      return family("other", "summary", "summary");
    case "exponential_histogram":
      return refused("exponential histograms are not exposed to PromQL (no native histogram samples)");
    default:
      return refused(`metric type ${m.type} has no Prometheus form`);
  }
}

/** The `__name__` of each series of a family under `base` (the Prometheus or the OTLP name). */
export function seriesNames(family: MetricFamily, base: string = family.name): string[] {
  switch (family.shape) {
    case "histogram":
      return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
    case "summary":
      return [base, `${base}_sum`, `${base}_count`];
    default:
      return [base];
  }
}
