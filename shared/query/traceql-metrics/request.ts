/**
 * A metrics request's time grid as Tempo builds it: the default step, the alignment of a range
 * request to the step (with one extra leading interval), which interval a span falls in and
 * the timestamp each interval is reported at. Times are nanoseconds (bigint).
 *
 * Tempo (pkg/traceql/engine_metrics.go): interval i covers (start + i·step, start + (i+1)·step]
 * and is reported at its end; an instant query is one interval (start, end].
 */
import { QueryError } from "../errors.ts";

const SECOND = 1_000_000_000n;
const MINUTE = 60n * SECOND;
const MS = 1_000_000n;

/** Tempo's `max_intervals` default: more steps than this in a range is refused. */
export const MAX_INTERVALS = 10_000n;
/** Tempo's default cap of exemplars per query (`max_exemplars`). */
export const DEFAULT_MAX_EXEMPLARS = 100;

export interface MetricsWindow {
  startNs: bigint;
  endNs: bigint;
  stepNs: bigint;
  instant: boolean;
}

/** DefaultQueryRangeStep: about 240 points, rounded down to a granularity of 1h … 1s (50 ms under a minute). */
export function defaultStepNs(startNs: bigint, endNs: bigint): bigint {
  const delta = endNs - startNs;
  const baseline = delta / 240n;
  if (delta < MINUTE) {
    const g = 50n * MS;
    return baseline > g ? (baseline / g) * g : g;
  }
  for (const g of [3600n * SECOND, 5n * MINUTE, MINUTE, 15n * SECOND, 5n * SECOND, SECOND]) {
    if (baseline > g) return (baseline / g) * g;
  }
  return SECOND;
}

/**
 * Validates a range request and aligns it as Tempo's frontend does: start down and end up to
 * a multiple of the step, then one more interval before the start.
 */
export function rangeWindow(startNs: bigint, endNs: bigint, stepNs: bigint): MetricsWindow {
  if (endNs <= startNs) throw QueryError.invalid("end must be greater than start");
  if (stepNs <= 0n) throw QueryError.invalid("step must be positive");
  if ((endNs - startNs) / stepNs > MAX_INTERVALS) {
    throw QueryError.invalid(
      `step of ${goDuration(stepNs)} is too small, minimum step for given range is ${goDuration((endNs - startNs) / MAX_INTERVALS)}`,
    );
  }
  let start = startNs - (startNs % stepNs);
  const mod = endNs % stepNs;
  const end = mod === 0n ? endNs : endNs + (stepNs - mod);
  if (start > stepNs) start -= stepNs;
  return { startNs: start, endNs: end, stepNs, instant: false };
}

export function instantWindow(startNs: bigint, endNs: bigint): MetricsWindow {
  if (endNs <= startNs) throw QueryError.invalid("end must be greater than start");
  return { startNs, endNs, stepNs: endNs - startNs, instant: true };
}

export function intervalCount(w: MetricsWindow): number {
  return w.instant ? 1 : Number((w.endNs - w.startNs) / w.stepNs);
}

/** Reporting time of interval `i`, in milliseconds (its end, truncated). */
export function intervalTimeMs(w: MetricsWindow, i: number): number {
  return Number((w.startNs + BigInt(i + 1) * w.stepNs) / MS);
}

/** Interval holding a span that started at `ns`, or -1 outside (start, end]. */
export function intervalOf(w: MetricsWindow, ns: bigint): number {
  if (ns <= w.startNs || ns > w.endNs) return -1;
  if (w.instant) return 0;
  return Number((ns - w.startNs - 1n) / w.stepNs);
}

/** Interval of a millisecond timestamp (exemplars), as Tempo's IntervalMs. */
export function intervalOfMs(w: MetricsWindow, ms: number): number {
  const startMs = w.startNs / MS;
  const endMs = w.endNs / MS;
  const t = BigInt(Math.trunc(ms));
  if (t <= startMs || t > endMs) return -1;
  if (w.instant) return 0;
  return Number((t * MS - startMs * MS - 1n) / w.stepNs);
}

/** Go's time.Duration.String() for whole nanoseconds ("1m0s", "250ms", "1.5s"). */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let n = neg ? -ns : ns;
  const sign = neg ? "-" : "";
  if (n < SECOND) {
    const [unit, div] = n < 1000n ? ["ns", 1n] : n < MS ? ["µs", 1000n] : ["ms", MS];
    return sign + decimal(n, div) + unit;
  }
  const h = n / (3600n * SECOND);
  n -= h * 3600n * SECOND;
  const m = n / MINUTE;
  n -= m * MINUTE;
  const s = decimal(n, SECOND) + "s";
  if (h > 0n) return `${sign}${h}h${m}m${s}`;
  if (m > 0n) return `${sign}${m}m${s}`;
  return sign + s;
}

function decimal(n: bigint, div: bigint): string {
  const whole = n / div;
  const frac = n % div;
  if (frac === 0n) return whole.toString();
  const digits = div.toString().length - 1;
  return `${whole}.${frac.toString().padStart(digits, "0").replace(/0+$/, "")}`;
}
