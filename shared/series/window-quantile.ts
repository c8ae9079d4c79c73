/**
 * The φ-quantile of a window of samples without sorting it: the two neighbours the
 * interpolation needs are found by selection (Floyd–Rivest), linear in the window where a sort
 * is not — quantile_over_time evaluates every step's window afresh, and windows of dense log
 * samples hold thousands. The answer is `quantileOf`'s to the bit: the same neighbours (by
 * value: NaN below every number), the same arithmetic. Only a window holding -0 is sorted as
 * `quantileOf` sorts it: there the stable sort's choice between -0 and 0 shows in the sign.
 */
import { quantileOf } from "./stats.ts";

let scratch = new Float64Array(1024);

export function windowQuantileOf(q: number, values: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (n <= 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  const a = scratch;
  // NaNs first (they sort below every number), the numbers after them.
  let nans = 0;
  let numbers = n;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (v !== v) {
      nans++;
      continue;
    }
    if (v === 0 && 1 / v < 0) return quantileOf(q, Array.from({ length: n }, (_, k) => values[from + k]!));
    a[--numbers] = v;
  }
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  const at = (index: number): number => {
    if (index < nans) return NaN;
    select(a, index, nans, n - 1);
    return a[index]!;
  };
  const lo = at(lower);
  // After selecting `lower`, every number past it is no smaller: `upper` is their least.
  let hi: number;
  if (upper < nans) hi = NaN;
  else if (upper === lower) hi = lo;
  else if (lower < nans) hi = at(upper);
  else {
    hi = a[upper]!;
    for (let i = upper + 1; i < n; i++) if (a[i]! < hi) hi = a[i]!;
  }
  return lo * (1 - weight) + hi * weight;
}

/** Rearranges a[left..right] (no NaN) so that a[k] is the value a sort would put there, smaller ones before it, larger after. */
function select(a: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      select(a, k, Math.max(left, Math.floor(k - (m * s) / n + sd)), Math.min(right, Math.floor(k + ((n - m) * s) / n + sd)));
    }
    const t = a[k]!;
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right]! > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i]! < t) i++;
      while (a[j]! > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
