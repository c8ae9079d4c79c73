import type { Labels } from "../../series/types.ts";

/** A sample as Prometheus's API prints it: [Unix seconds, value string]. */
export type SamplePair = [number, string];

/** The `data` of a Prometheus query answer. */
export type QueryData =
  | { resultType: "vector"; result: { metric: Labels; value: SamplePair }[] }
  | { resultType: "matrix"; result: { metric: Labels; values: SamplePair[] }[] }
  | { resultType: "scalar"; result: SamplePair }
  | { resultType: "string"; result: SamplePair };

export interface EvaluateOptions {
  /** How far back an instant selector looks for a sample (Prometheus's default 5 m). */
  lookbackDeltaMs?: number;
  /**
   * Most samples a query may hold in memory at once: raw samples of a selector being read plus
   * the points of every intermediate result alive at that moment. Past it the query fails with
   * an `execution` error (HTTP 422).
   */
  maxSamples?: number;
  /** Stops the query: a timeout reason answers `timeout` (503), any other `canceled`. */
  signal?: AbortSignal;
  /** Step of subqueries written without one (Prometheus's global evaluation interval). */
  defaultSubqueryStepMs?: number;
}

export const DEFAULT_LOOKBACK_DELTA_MS = 5 * 60_000;
export const DEFAULT_MAX_SAMPLES = 50_000_000;
export const DEFAULT_SUBQUERY_STEP_MS = 60_000;
