/** Quantiles estimated from classic cumulative histogram buckets (`le` upper bounds). */

export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * The φ-quantile of a cumulative bucket list, interpolating linearly inside the bucket where the
 * rank falls, as Prometheus's histogram_quantile does: NaN without a +Inf bucket, fewer than two
 * buckets or no observations; the highest finite bound when the rank falls in the +Inf bucket.
 * Buckets with equal bounds are added up and counts forced non-decreasing first.
 */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = input.slice().sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.length === 0 || sorted[sorted.length - 1].upperBound !== Infinity) return NaN;
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else buckets.push({ ...b });
  }
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.length - 1;
  for (let i = 0; i < buckets.length - 1; i++) {
    if (buckets[i].count >= rank) {
      b = i;
      break;
    }
  }
  if (b === buckets.length - 1) return buckets[buckets.length - 2].upperBound;
  if (b === 0 && buckets[0].upperBound <= 0) return buckets[0].upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b].upperBound;
  let count = buckets[b].count;
  if (b > 0) {
    bucketStart = buckets[b - 1].upperBound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/**
 * Power-of-two buckets, as Tempo's TraceQL metrics record values (quantile_over_time,
 * histogram_over_time): the bucket of `v` is the smallest power of two ≥ v; values below 2
 * have none (Tempo drops them). `v` is a whole number (nanoseconds, or an int attribute).
 */
export function log2Bucket(v: number): number | undefined {
  if (!(v >= 2)) return undefined;
  return 2 ** Math.ceil(Math.log2(v));
}

/**
 * The p-quantile of power-of-two buckets (`upperBound` ascending, plain counts, not
 * cumulative) as Tempo computes it: the rank is ceil(p·total) (at least 1); a rank that ends
 * exactly on a bucket is that bucket's bound, otherwise the value is interpolated
 * exponentially between the previous bucket's bound (half the bound for the first bucket)
 * and this one's. 0 for an empty list or a p outside [0, 1].
 */
export function log2BucketQuantile(p: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || buckets.length === 0) return 0;
  let total = 0;
  for (const b of buckets) total += b.count;
  if (total === 0) return 0;
  const wanted = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  let at = 0;
  for (let i = 0; i < buckets.length; i++) {
    at = i;
    if (seen + buckets[i]!.count > wanted) break;
    seen += buckets[i]!.count;
    if (seen === wanted) return buckets[i]!.upperBound;
  }
  const fraction = (wanted - seen) / buckets[at]!.count;
  const hi = Math.log2(buckets[at]!.upperBound);
  const lo = at > 0 ? Math.log2(buckets[at - 1]!.upperBound) : hi - 1;
  return 2 ** (lo + (hi - lo) * fraction);
}
