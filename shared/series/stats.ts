/** Numeric building blocks shared by range functions and aggregations. */

/** One step of Kahan–Babuška summation: returns the new sum and compensation. */
export function kahanAdd(value: number, sum: number, c: number): [number, number] {
  const t = sum + value;
  if (!Number.isFinite(t)) return [t, 0];
  if (Math.abs(sum) >= Math.abs(value)) c += sum - t + value;
  else c += value - t + sum;
  return [t, c];
}

/** Ascending order with NaN below every number, as Prometheus orders sample values. */
export function nanFirst(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}

/**
 * The φ-quantile of `values` (sorted in place), interpolating linearly between neighbours;
 * φ < 0 gives -Inf, φ > 1 gives +Inf, as Prometheus defines it.
 */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort(nanFirst);
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

/**
 * Least-squares line through (t, v) with t in seconds relative to `interceptMs`:
 * [slope per second, value at interceptMs].
 */
export function linearRegression(
  timestampsMs: Float64Array,
  values: Float64Array,
  from: number,
  to: number,
  interceptMs: number,
): [number, number] {
  let n = 0;
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = values[from];
  let constY = true;
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (constY && i > from && v !== initY) constY = false;
    n++;
    const x = (timestampsMs[i] - interceptMs) / 1e3;
    [sumX, cX] = kahanAdd(x, sumX, cX);
    [sumY, cY] = kahanAdd(v, sumY, cY);
    [sumXY, cXY] = kahanAdd(x * v, sumXY, cXY);
    [sumX2, cX2] = kahanAdd(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

/**
 * Running mean that survives infinities (an infinite mean stays put unless an opposite infinity
 * or NaN arrives) and large values (each term divided before adding).
 */
export class RunningMean {
  mean = 0;
  count = 0;
  add(v: number): void {
    this.count++;
    if (this.count === 1) {
      this.mean = v;
      return;
    }
    if (!Number.isFinite(this.mean) && !Number.isNaN(this.mean)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && this.mean > 0 === v > 0) return;
      if (Number.isFinite(v)) return;
    }
    this.mean += v / this.count - this.mean / this.count;
  }
}

/** Welford's running variance (population). */
export class RunningVariance {
  count = 0;
  mean = 0;
  m2 = 0;
  add(v: number): void {
    this.count++;
    const delta = v - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (v - this.mean);
  }
  variance(): number {
    return this.m2 / this.count;
  }
}
