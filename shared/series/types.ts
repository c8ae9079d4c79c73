/**
 * The series engine's data model: what a storage source hands the engine and what the engine
 * hands back. No query language lives here — PromQL, LogQL metric queries and TraceQL metrics
 * all compile to the same engine (docs/operations.md, "Metrics with PromQL", once written).
 *
 * Times are milliseconds since the epoch (Prometheus's resolution); values are float64.
 */

/** A label set, name → value. An empty value means the label is absent (Prometheus's rule). */
export type Labels = Readonly<Record<string, string>>;

/** The metric name label, as Prometheus names it. */
export const METRIC_NAME_LABEL = "__name__";

/** Prometheus's stale marker: a NaN with this exact bit pattern ends a series at its timestamp. */
export const STALE_NAN_BITS = 0x7ff0000000000002n;

export type MatchOp = "=" | "!=" | "=~" | "!~";

/** One label matcher of a selector; regexes are fully anchored, as in Prometheus. */
export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** Raw samples of one series, in time order, stale markers included. */
export interface RawSeries {
  labels: Labels;
  timestampsMs: Float64Array;
  values: Float64Array;
}

/**
 * What the engine asks a source for: every series matching all matchers, with the samples whose
 * time lies in [startMs, endMs] (the engine has already widened the range by lookback, range
 * windows and offsets). The hints let a source push more work down; a source may ignore them.
 */
export interface SelectRequest {
  matchers: readonly LabelMatcher[];
  startMs: number;
  endMs: number;
  hints?: SelectHints;
}

export interface SelectHints {
  /** Evaluation step of the query, when it is a range query. */
  stepMs?: number;
  /** The range function the samples feed (`rate`, `count_over_time`, …), if any. */
  func?: string;
  /** The range window of that function. */
  rangeMs?: number;
  /** Labels an enclosing aggregation groups by (`by`), or drops (`without`). */
  grouping?: readonly string[];
  without?: boolean;
}

/** Where the engine's raw samples come from: Parquet + live rows in the querier, memory in tests. */
export interface SeriesSource {
  select(request: SelectRequest, signal?: AbortSignal): Promise<RawSeries[]>;
}
