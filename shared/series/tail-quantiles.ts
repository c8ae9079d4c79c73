/**
 * quantile_over_time over many overlapping windows of one series, for a φ near 0 or 1 (a
 * p99 latency): the answer lies in a window's few largest (or smallest) samples. The windows'
 * edges cut the series into segments, each window a run of whole segments; each segment's
 * tail — as many of its largest samples as the deepest window over it needs — is selected
 * and sorted once, and a window merges its segments' tails from the end. A sample is then
 * handled once, where `windowQuantileOf` copies and selects each window afresh, and a sample
 * lies in range / step windows. The answer is `windowQuantileOf`'s to the bit: the same two
 * neighbours by value, the same arithmetic. Windows this cannot serve exactly or cheaply (a φ
 * far from the tails, a segment holding NaN or -0, whose order `quantileOf` defines apart, too
 * many segments, windows out of order) are computed by `windowQuantileOf`.
 */
import { windowQuantileOf } from "./window-quantile.ts";

/** A tail is used while it is at most this share of its window: deeper, selection is as cheap. */
const MAX_TAIL_SHARE = 1 / 8;

/**
 * `out[i]` = `windowQuantileOf(q[i], values, from[i], to[i])` for every window that is not
 * empty (`to[i] > from[i]`); the others are left as they are.
 */
export function tailQuantiles(q: ArrayLike<number>, values: Float64Array, from: ArrayLike<number>, to: ArrayLike<number>, out: Float64Array): void {
  const count = from.length;
  const direct = (i: number) => {
    if (to[i]! > from[i]!) out[i] = windowQuantileOf(q[i]!, values, from[i]!, to[i]!);
  };
  let ordered = true;
  for (let i = 1; i < count && ordered; i++) ordered = from[i]! >= from[i - 1]! && to[i]! >= to[i - 1]!;
  if (!ordered) {
    for (let i = 0; i < count; i++) direct(i);
    return;
  }
  // The segments: the distinct window edges in order (both edge lists ascend).
  const cuts: number[] = [];
  for (let i = 0, j = 0; i < count || j < count; ) {
    const c = j >= count || (i < count && from[i]! <= to[j]!) ? from[i++]! : to[j++]!;
    if (cuts.length === 0 || cuts[cuts.length - 1] !== c) cuts.push(c);
  }
  const segments = cuts.length - 1;
  // Per window: the side its tail is on (1 top, -1 bottom, 0 direct), its first segment, its depth.
  const side = new Int8Array(count);
  const firstSegment = new Int32Array(count);
  const lastSegment = new Int32Array(count);
  const depth = new Int32Array(count);
  const topNeed = new Int32Array(Math.max(segments, 0));
  const bottomNeed = new Int32Array(Math.max(segments, 0));
  for (let i = 0, c = 0; i < count; i++) {
    const n = to[i]! - from[i]!;
    const phi = q[i]!;
    if (n <= 0 || !(phi >= 0 && phi <= 1)) continue;
    while (cuts[c]! < from[i]!) c++;
    let d = c;
    while (cuts[d]! < to[i]!) d++;
    const rank = phi * (n - 1);
    const lower = Math.max(0, Math.floor(rank));
    const upper = Math.min(n - 1, lower + 1);
    const top = n - lower;
    const bottom = upper + 1;
    const need = Math.min(top, bottom);
    // Merging visits `need` samples across `d - c` segment tails.
    if (need > n * MAX_TAIL_SHARE || need * (d - c) > n) continue;
    side[i] = top <= bottom ? 1 : -1;
    firstSegment[i] = c;
    lastSegment[i] = d;
    depth[i] = need;
    const needs = top <= bottom ? topNeed : bottomNeed;
    for (let s = c; s < d; s++) if (needs[s]! < need) needs[s] = need;
  }
  const tops: Float64Array[] = [];
  const bottoms: Float64Array[] = [];
  const clean = new Uint8Array(Math.max(segments, 0));
  for (let s = 0; s < segments; s++) {
    if (topNeed[s] === 0 && bottomNeed[s] === 0) continue;
    const lo = cuts[s]!;
    const hi = cuts[s + 1]!;
    let ok = true;
    for (let k = lo; k < hi && ok; k++) {
      const v = values[k]!;
      ok = v === v && !(v === 0 && 1 / v < 0);
    }
    if (!ok) continue;
    clean[s] = 1;
    if (topNeed[s]! > 0) tops[s] = tail(values, lo, hi, topNeed[s]!, true);
    if (bottomNeed[s]! > 0) bottoms[s] = tail(values, lo, hi, bottomNeed[s]!, false);
  }
  const heads = new Int32Array(Math.max(segments, 0));
  for (let i = 0; i < count; i++) {
    if (side[i] === 0) {
      direct(i);
      continue;
    }
    const c = firstSegment[i]!;
    const d = lastSegment[i]!;
    let usable = true;
    for (let s = c; s < d && usable; s++) usable = clean[s] === 1;
    if (!usable) {
      direct(i);
      continue;
    }
    const n = to[i]! - from[i]!;
    const rank = q[i]! * (n - 1);
    const lower = Math.max(0, Math.floor(rank));
    const upper = Math.min(n - 1, lower + 1);
    const weight = rank - Math.floor(rank);
    // Sorted positions, counted from the merged end: `first` and `second` are the neighbours'.
    const top = side[i] === 1;
    const first = top ? n - 1 - upper : lower;
    const second = top ? n - 1 - lower : upper;
    const tails = top ? tops : bottoms;
    for (let s = c; s < d; s++) heads[s] = top ? tails[s]!.length - 1 : 0;
    let atFirst = NaN;
    let atSecond = NaN;
    for (let k = 0; k <= second; k++) {
      let best = -1;
      let bestValue = 0;
      for (let s = c; s < d; s++) {
        const tail = tails[s]!;
        const h = heads[s]!;
        if (top ? h < 0 : h >= tail.length) continue;
        const v = tail[h]!;
        if (best < 0 || (top ? v > bestValue : v < bestValue)) {
          best = s;
          bestValue = v;
        }
      }
      heads[best] += top ? -1 : 1;
      if (k === first) atFirst = bestValue;
      if (k === second) atSecond = bestValue;
    }
    const loValue = top ? atSecond : atFirst;
    const hiValue = top ? atFirst : atSecond;
    out[i] = loValue * (1 - weight) + hiValue * weight;
  }
}

/**
 * The `size` largest (`top`) or smallest samples of values[lo, hi) — no NaN, no -0 — in
 * ascending order: a heap of the tail so far, which most samples pass by after one comparison.
 * Top tails are kept as a min-heap; bottom ones as a min-heap of their negations (no -0 comes
 * back: a negated 0 is negated again).
 */
function tail(values: Float64Array, lo: number, hi: number, size: number, top: boolean): Float64Array {
  const t = Math.min(size, hi - lo);
  const sign = top ? 1 : -1;
  const heap = new Float64Array(t);
  for (let k = 0; k < t; k++) heap[k] = sign * values[lo + k]!;
  for (let i = (t >> 1) - 1; i >= 0; i--) sift(heap, t, i, heap[i]!);
  for (let k = lo + t; k < hi; k++) {
    const v = sign * values[k]!;
    if (v > heap[0]!) sift(heap, t, 0, v);
  }
  if (!top) for (let k = 0; k < t; k++) heap[k] = -heap[k]! + 0;
  return heap.sort();
}

/** Places `v` at `from` of the min-heap heap[0, t) and sifts it down. */
function sift(heap: Float64Array, t: number, from: number, v: number): void {
  let i = from;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= t) break;
    if (c + 1 < t && heap[c + 1]! < heap[c]!) c++;
    if (!(heap[c]! < v)) break;
    heap[i] = heap[c]!;
    i = c;
  }
  heap[i] = v;
}
