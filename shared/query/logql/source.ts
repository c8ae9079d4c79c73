/**
 * The seam between LogQL evaluation and storage. The evaluator (this folder) asks a
 * `LogSource` for the entries of the streams a selector matches; the querier implements it
 * over Parquet files and live rows, tests over memory. Everything after the selector — line
 * filters, parsers, label filters, formatting, metric functions — is the evaluator's job;
 * a source may push the hinted line filters down, never anything else.
 *
 * Times are nanoseconds since the epoch as bigint (Loki's resolution).
 */
import type { LabelMatcher, Labels } from "../../series/index.ts";

/** One log line as stored: its stream labels and structured metadata (Loki's OTLP model). */
export interface LogEntry {
  timestampNs: bigint;
  line: string;
  /** Structured metadata: non-indexed attributes, trace_id, span_id, severity, scope… */
  metadata: Labels;
}

export interface LogStream {
  /** The indexed stream labels (service_name, …). */
  labels: Labels;
  /** Entries in the requested direction's order. */
  entries: LogEntry[];
}

/** A line filter the source may apply before handing entries out (an exact hint). */
export interface LineFilterHint {
  op: "|=" | "!=" | "|~" | "!~";
  value: string;
}

export interface LogSelectRequest {
  matchers: readonly LabelMatcher[];
  /** Half-open [startNs, endNs), as Loki reads it. */
  startNs: bigint;
  endNs: bigint;
  direction: "forward" | "backward";
  /** Line filters that precede every parser stage: the source must apply them (pushed down to SQL, or with the evaluator's own matcher when it cannot). */
  lineFilters?: readonly LineFilterHint[];
  /**
   * Entries beyond this many (in `direction` order, over all streams) are not needed: the
   * source may cut there (which of entries of equal time it keeps at the cut is its choice).
   * A log query whose later stages may drop entries asks page by page (log-query.ts); a metric
   * query leaves it absent.
   */
  limit?: number;
}

/**
 * A grouped sample read, which a source may offer (`selectSamples`). For a range aggregation
 * counting entries or bytes with no stage but the hinted line filters, grouped by labels —
 * `sum by (level) (count_over_time({…} |= "x" [1m]))`, Grafana's logs volume — the evaluator
 * needs only each entry's time, its value and the grouping labels' values, so a source that
 * can compute them in its store need not hand every line out. A grouping label's value is the
 * stream label's, else the entry's structured metadata's (`entryLabelValue` in
 * labels-builder.ts says it exactly); "" when neither has it.
 *
 * With `parser: "logfmt"` a `| logfmt` stage (no parameters, not strict) stands between the
 * line filters and the grouping, and with `unwrap` the value is a label's, converted — Loki's
 * "parser hints": only the grouping labels and the unwrap label are needed (parsed-samples.ts
 * says which parsed keys and metadata decide them). A source may answer the entries whose
 * labels it can decide exactly as groups and hand the others out as `rest` (select's shape,
 * the evaluator runs its pipeline on them), or decline the request (undefined).
 */
export interface LogSampleRequest {
  matchers: readonly LabelMatcher[];
  /** Half-open [startNs, endNs), as in LogSelectRequest. */
  startNs: bigint;
  endNs: bigint;
  lineFilters?: readonly LineFilterHint[];
  groupBy: readonly string[];
  /** "count": every entry weighs 1; "bytes": its line's length in UTF-8 bytes; "unwrap": the `unwrap` label's value. */
  value: "count" | "bytes" | "unwrap";
  parser?: "logfmt";
  /** With `value: "unwrap"`: the label and its conversion ("" for a plain number). */
  unwrap?: { label: string; conversion: "" | "duration" | "duration_seconds" | "bytes" };
}

export interface LogSampleGroup {
  /** The grouping labels whose value is not empty. */
  labels: Labels;
  /** Sample times as nanoseconds after `originNs` (exact below 2^53), not necessarily in order. */
  originNs: bigint;
  offsetsNs: Float64Array;
  /** Each sample's value; absent for "count" (every sample weighs 1). */
  values?: Float64Array;
}

export interface LogSampleAnswer {
  groups: LogSampleGroup[];
  /** Entries the source left to the evaluator's pipeline (only with `parser`), as `select` gives them forward. */
  rest: LogStream[];
}

export interface LogSource {
  select(request: LogSelectRequest, signal?: AbortSignal): Promise<LogStream[]>;
  /** Optional: grouped samples (LogSampleRequest); without it, or when it declines, the evaluator reads entries with `select`. */
  selectSamples?(request: LogSampleRequest, signal?: AbortSignal): Promise<LogSampleAnswer | undefined>;
}

/**
 * What evaluating a LogQL query answers (`evaluateLogQL` in this folder). Log queries give
 * entries with their labels in Loki's three categories, so the router can answer both the
 * plain form (all labels merged into the stream) and `categorize-labels`; metric queries give
 * Prometheus-shaped data from the shared series engine, which Loki's API also uses.
 */
export interface LogResultEntry {
  timestampNs: bigint;
  line: string;
  /** Stream labels after the pipeline (label_format, drop and keep may change them). */
  stream: Labels;
  structuredMetadata: Labels;
  /** Labels the pipeline's parsers and label_format added, `__error__` included. */
  parsed: Labels;
}

export type LogQLResult =
  | { resultType: "streams"; entries: LogResultEntry[] }
  | import("../promql/result.ts").QueryData;

export interface LogQLParams {
  /** Range query: [startNs, endNs] evaluated every stepNs; log queries read [startNs, endNs). */
  startNs: bigint;
  endNs: bigint;
  /** Absent for an instant query (evaluated at endNs). */
  stepNs?: bigint;
  /** Log queries: entries returned at most, in `direction` order. */
  limit: number;
  direction: "forward" | "backward";
  /** Most samples a metric query may hold (the series engine's bound). */
  maxSamples?: number;
  /** Longest range (plus offset) a range aggregation may read; longer ones fail with a 422 naming both. */
  maxRangeNs?: bigint;
  signal?: AbortSignal;
}
