/**
 * What keeps one evaluation bounded: the abort signal (checked every few thousand entries, so
 * a cancelled query stops within milliseconds), the samples a metric query may hold, and the
 * longest range a caller allows.
 */
import { QueryError } from "../errors.ts";
import type { LogQLExpr } from "./ast.ts";
import { LogQLLimitError } from "./errors.ts";

/** The default bound on samples held by one metric query (Prometheus's default). */
export const DEFAULT_MAX_SAMPLES = 50_000_000;

const CHECK_EVERY = 4096;

export class Bounds {
  private ticks = 0;
  private samples = 0;

  constructor(private readonly signal: AbortSignal | undefined, private readonly maxSamples: number) {}

  /** Throws once the query was cancelled or timed out. */
  check(): void {
    const signal = this.signal;
    if (!signal?.aborted) return;
    const reason = signal.reason as { name?: string } | undefined;
    throw new QueryError("DEADLINE_EXCEEDED", reason?.name === "TimeoutError" ? "query timed out" : "query was canceled");
  }

  /** One unit of work done (an entry read, a window computed). */
  tick(): void {
    if (++this.ticks % CHECK_EVERY === 0) this.check();
  }

  /** Counts samples the query holds; past the bound it fails with a 422. */
  hold(n: number): void {
    this.samples += n;
    if (this.samples > this.maxSamples) {
      throw new LogQLLimitError(`the query would hold more than ${this.maxSamples} samples (max_samples); narrow the selector or the time range`);
    }
  }

  /** Runs a source call, turning an abort during it into the query's cancel/timeout error. */
  async guard<T>(call: () => Promise<T>): Promise<T> {
    this.check();
    try {
      return await call();
    } catch (err) {
      this.check();
      throw err;
    } finally {
      this.check();
    }
  }
}

/**
 * How far back before its start the query reads: the longest range plus offset of its range
 * aggregations (0 for a log query). A caller refuses a query whose `[1y]` exceeds its limit
 * with `refuseLongRange`, or passes `maxRangeNs` to the evaluator.
 */
export function longestRangeNs(expr: LogQLExpr): bigint {
  switch (expr.kind) {
    case "log":
    case "literal":
    case "vector":
      return 0n;
    case "range_aggregation":
      return expr.range.rangeNs + (expr.range.offsetNs > 0n ? expr.range.offsetNs : 0n);
    case "vector_aggregation":
    case "label_replace":
      return longestRangeNs(expr.expr);
    case "binary": {
      const l = longestRangeNs(expr.lhs);
      const r = longestRangeNs(expr.rhs);
      return l > r ? l : r;
    }
  }
}

function formatNs(ns: bigint): string {
  const hours = Number(ns / 3_600_000_000_000n);
  return hours >= 24 ? `${Math.round(hours / 24)}d` : hours >= 1 ? `${hours}h` : `${Number(ns / 1_000_000_000n)}s`;
}

/** Throws a 422 naming both figures when a range aggregation reads further back than `maxRangeNs`. */
export function refuseLongRange(expr: LogQLExpr, maxRangeNs: bigint): void {
  const longest = longestRangeNs(expr);
  if (longest > maxRangeNs) {
    throw new LogQLLimitError(`the query's range [${formatNs(longest)}] is longer than the ${formatNs(maxRangeNs)} allowed (max_query_range); use a shorter range`);
  }
}
