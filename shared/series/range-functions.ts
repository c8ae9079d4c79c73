import { SeriesEngineError } from "./errors.ts";
import type { Window, WindowFunction } from "./select.ts";
import { linearRegression, RunningMean, RunningVariance } from "./stats.ts";
import { windowQuantileOf } from "./window-quantile.ts";

/**
 * Functions of a range window's samples, named for what they compute. Query languages give them
 * their own names (PromQL's `rate` is `extrapolatedChange({ counter: true, perSecond: true })`).
 * Per-step parameters come as arrays indexed by the window's step.
 */

/**
 * The change over the window extrapolated to its edges, as Prometheus computes rate, increase and
 * delta: counter resets are added back, extrapolation goes at most half an average sample interval
 * beyond the outermost samples (the full distance when within 1.1 intervals), and never below
 * a counter's zero.
 */
export function extrapolatedChange(opts: { counter: boolean; perSecond: boolean }): WindowFunction {
  const drops = new DropCounts();
  return (w) => {
    const { timestampsMs: ts, values: vs, from, to } = w;
    const n = to - from;
    if (n < 2) return undefined;
    const first = vs[from];
    const last = vs[to - 1];
    let result = last - first;
    // Resets are added back in the window's order (the sum's rounding is Prometheus's); a
    // window without a drop, most of a counter's, has none to add.
    if (opts.counter && drops.within(vs, from, to)) {
      let prev = 0;
      for (let i = from; i < to; i++) {
        if (vs[i] < prev) result += prev;
        prev = vs[i];
      }
    }
    let durationToStart = (ts[from] - w.startMs) / 1000;
    const durationToEnd = (w.endMs - ts[to - 1]) / 1000;
    const sampledInterval = (ts[to - 1] - ts[from]) / 1000;
    const averageInterval = sampledInterval / (n - 1);
    if (opts.counter && result > 0 && first >= 0) {
      const durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const threshold = averageInterval * 1.1;
    let extrapolateTo = sampledInterval;
    extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2;
    extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
    let factor = extrapolateTo / sampledInterval;
    if (opts.perSecond) factor /= w.rangeMs / 1000;
    return result * factor;
  };
}

/**
 * How many drops (a sample below the one before it) a series has up to each sample, counted
 * once per series: windows slide over the same series step after step.
 */
class DropCounts {
  private values: Float64Array | null = null;
  private upTo = new Uint32Array(0);

  /** Whether samples [from, to) of `values` hold a drop. */
  within(values: Float64Array, from: number, to: number): boolean {
    if (values !== this.values) this.count(values);
    return this.upTo[to - 1]! !== this.upTo[from]!;
  }

  private count(values: Float64Array): void {
    this.values = values;
    if (this.upTo.length < values.length) this.upTo = new Uint32Array(values.length);
    let drops = 0;
    this.upTo[0] = 0;
    for (let i = 1; i < values.length; i++) {
      if (values[i] < values[i - 1]) drops++;
      this.upTo[i] = drops;
    }
  }
}

/** Difference of the last two samples (per second when asked; a drop counts as a counter reset). */
export function lastTwoChange(opts: { perSecond: boolean }): WindowFunction {
  return (w) => {
    if (w.to - w.from < 2) return undefined;
    const last = w.values[w.to - 1];
    const prev = w.values[w.to - 2];
    const result = opts.perSecond && last < prev ? last : last - prev;
    if (!opts.perSecond) return result;
    const interval = w.timestampsMs[w.to - 1] - w.timestampsMs[w.to - 2];
    if (interval === 0) return undefined;
    return result / (interval / 1000);
  };
}

/** Slope per second of the least-squares line through the window. */
export const slope: WindowFunction = (w) => {
  if (w.to - w.from < 2) return undefined;
  return linearRegression(w.timestampsMs, w.values, w.from, w.to, w.timestampsMs[w.from])[0];
};

/** The least-squares line's value `seconds[step]` after the evaluation time. */
export function linearPrediction(seconds: Float64Array): WindowFunction {
  return (w) => {
    if (w.to - w.from < 2) return undefined;
    const [s, intercept] = linearRegression(w.timestampsMs, w.values, w.from, w.to, w.evalMs);
    return s * seconds[w.step] + intercept;
  };
}

/** Number of drops between consecutive samples. */
export const decreases: WindowFunction = (w) => {
  if (w.to - w.from < 1) return undefined;
  let n = 0;
  for (let i = w.from + 1; i < w.to; i++) if (w.values[i] < w.values[i - 1]) n++;
  return n;
};

/** Number of value changes between consecutive samples (NaN to NaN is no change). */
export const changes: WindowFunction = (w) => {
  if (w.to - w.from < 1) return undefined;
  let n = 0;
  for (let i = w.from + 1; i < w.to; i++) {
    const a = w.values[i - 1];
    const b = w.values[i];
    if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) n++;
  }
  return n;
};

function nonEmpty(reduce: (w: Window) => number): WindowFunction {
  return (w) => (w.to > w.from ? reduce(w) : undefined);
}

export const windowSum = nonEmpty((w) => {
  let sum = 0;
  for (let i = w.from; i < w.to; i++) sum += w.values[i];
  return sum;
});

export const windowAvg = nonEmpty((w) => {
  const mean = new RunningMean();
  for (let i = w.from; i < w.to; i++) mean.add(w.values[i]);
  return mean.mean;
});

export const windowMin = nonEmpty((w) => {
  let min = w.values[w.from];
  for (let i = w.from; i < w.to; i++) if (w.values[i] < min || Number.isNaN(min)) min = w.values[i];
  return min;
});

export const windowMax = nonEmpty((w) => {
  let max = w.values[w.from];
  for (let i = w.from; i < w.to; i++) if (w.values[i] > max || Number.isNaN(max)) max = w.values[i];
  return max;
});

export const windowCount = nonEmpty((w) => w.to - w.from);
export const windowLast = nonEmpty((w) => w.values[w.to - 1]);
export const windowPresent = nonEmpty(() => 1);

export function windowQuantile(q: Float64Array): WindowFunction {
  return nonEmpty((w) => windowQuantileOf(q[w.step], w.values, w.from, w.to));
}

function windowVariance(w: Window): number {
  const v = new RunningVariance();
  for (let i = w.from; i < w.to; i++) v.add(w.values[i]);
  return v.variance();
}
export const windowStdvar = nonEmpty(windowVariance);
export const windowStddev = nonEmpty((w) => Math.sqrt(windowVariance(w)));

/**
 * Double exponential smoothing (Holt's linear method) with smoothing factor `sf` and trend
 * factor `tf`, both strictly between 0 and 1.
 */
export function doubleExponentialSmoothing(sf: Float64Array, tf: Float64Array): WindowFunction {
  return (w) => {
    const s = sf[w.step];
    const t = tf[w.step];
    if (!(s > 0 && s < 1)) throw new SeriesEngineError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${s.toFixed(6)}`);
    if (!(t > 0 && t < 1)) throw new SeriesEngineError(`invalid trend factor. Expected: 0 < tf < 1, got: ${t.toFixed(6)}`);
    const n = w.to - w.from;
    if (n < 2) return undefined;
    const vs = w.values;
    let s0 = 0;
    let s1 = vs[w.from];
    let b = vs[w.from + 1] - vs[w.from];
    for (let i = 1; i < n; i++) {
      const x = s * vs[w.from + i];
      if (i > 1) b = t * (s1 - s0) + (1 - t) * b;
      const y = (1 - s) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    return s1;
  };
}
