/**
 * The ranges a decoded value must lie in before it becomes a column: checked at the edge so
 * that nothing the acceptor acknowledges can later fail a Parquet flush or a read.
 *
 * - Times are Int64 nanoseconds in the tables. A time is 0 (OTLP's "unset") or lies in the
 *   time window: never outside 1970-01-01T00:00:00Z … 2262-04-11T23:47:16.854775807Z (the
 *   non-negative int64 range), and within what the operator allows around the acceptor's
 *   clock (`acceptor.max_time_age`, `acceptor.max_time_ahead`).
 * - Unsigned 32-bit counts stored in Int32 columns must fit in int32.
 * - AnyValues (attribute values, log bodies) nest at most MAX_ANYVALUE_DEPTH levels: every
 *   reader of the stored JSON (the Tempo and OTLP encoders, search) recurses over it.
 */
export const MAX_ANYVALUE_DEPTH = 64;

export const INT64_MAX = (1n << 63n) - 1n;
const INT32_MAX = 0x7fffffff;

/** Accepted times (inclusive bounds, nanoseconds); `describe*` say why a time is outside. */
export interface TimeWindow {
  minNs: bigint;
  maxNs: bigint;
  /** e.g. "is older than acceptor.max_time_age (168h)" */
  tooOld: string;
  /** e.g. "is more than acceptor.max_time_ahead (1h) ahead of the acceptor's clock" */
  tooNew: string;
}

/** The widest window: any non-negative int64. */
export const INT64_TIME_WINDOW: TimeWindow = {
  minNs: 0n,
  maxNs: INT64_MAX,
  tooOld: "is before 1970",
  tooNew: "does not fit int64 nanoseconds",
};

/**
 * The window around `nowMs`: `maxAgeMs` / `maxAheadMs` of 0 leave that side open (bounded
 * only by the int64 range).
 */
export function timeWindowAround(nowMs: number, maxAgeMs: number, maxAheadMs: number, names = { age: "max_time_age", ahead: "max_time_ahead" }): TimeWindow {
  const now = BigInt(Math.trunc(nowMs)) * 1_000_000n;
  const window = { ...INT64_TIME_WINDOW };
  if (maxAgeMs > 0) {
    const min = now - BigInt(Math.trunc(maxAgeMs)) * 1_000_000n;
    if (min > 0n) {
      window.minNs = min;
      window.tooOld = `is older than ${names.age} (${formatMs(maxAgeMs)})`;
    }
  }
  if (maxAheadMs > 0) {
    const max = now + BigInt(Math.trunc(maxAheadMs)) * 1_000_000n;
    if (max < INT64_MAX) {
      window.maxNs = max;
      window.tooNew = `is more than ${names.ahead} (${formatMs(maxAheadMs)}) ahead of the acceptor's clock`;
    }
  }
  return window;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Checks 64-bit times read as two unsigned 32-bit words (the wire reader's `lo` / `hi`)
 * against a window, exactly and without BigInt on the hot path.
 */
export class TimeCheck {
  private readonly minHi: number;
  private readonly minLo: number;
  private readonly maxHi: number;
  private readonly maxLo: number;

  constructor(private readonly window: TimeWindow = INT64_TIME_WINDOW) {
    this.minHi = Number(window.minNs >> 32n);
    this.minLo = Number(window.minNs & 0xffffffffn);
    this.maxHi = Number(window.maxNs >> 32n);
    this.maxLo = Number(window.maxNs & 0xffffffffn);
  }

  /** Why the time `field` = (lo, hi) cannot be stored, or undefined when it can (0 = unset is fine). */
  problem(field: string, lo: number, hi: number): string | undefined {
    if (lo === 0 && hi === 0) return undefined;
    if (hi > this.maxHi || (hi === this.maxHi && lo > this.maxLo)) {
      return hi >= 0x80000000 ? `${field} does not fit int64 nanoseconds` : `${field} ${this.window.tooNew}`;
    }
    if (hi < this.minHi || (hi === this.minHi && lo < this.minLo)) return `${field} ${this.window.tooOld}`;
    return undefined;
  }
}

/** Why a time already in nanoseconds (remote write's milliseconds × 10^6) lies outside `window`. */
export function timeNsProblem(field: string, ns: bigint, window: TimeWindow = INT64_TIME_WINDOW): string | undefined {
  if (ns > window.maxNs) return ns > INT64_MAX ? `${field} does not fit int64 nanoseconds` : `${field} ${window.tooNew}`;
  if (ns < window.minNs) return `${field} ${window.tooOld}`;
  return undefined;
}

/** Why an unsigned 32-bit count cannot go into its Int32 column, or undefined. */
export function int32CountProblem(field: string, value: number): string | undefined {
  return value > INT32_MAX ? `${field} does not fit int32` : undefined;
}

/** Why an unsigned 64-bit count (words) cannot go into its Int64 column, or undefined. */
export function int64CountProblem(field: string, hi: number): string | undefined {
  return hi >= 0x80000000 ? `${field} does not fit int64` : undefined;
}

