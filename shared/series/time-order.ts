/**
 * The stable time order of a series' samples, for LogQL's and PromQL's reads alike. Samples
 * arrive as a few ascending runs — a store's files and row groups are each in time order,
 * and parallel readers interleave whole row groups — so a natural merge sort (runs found,
 * then merged pairwise) orders them in about one pass where a comparator sort would compare
 * every pair of a long series. Runs that do not overlap in time (files cover successive
 * spans) need no merge at all: they are laid end to end, earliest first.
 */
export function timeOrder(ts: ArrayLike<number>): Uint32Array {
  const n = ts.length;
  let order = new Uint32Array(n);
  const bounds = runBounds(ts);
  const laid = disjointRuns(ts, bounds);
  if (laid) {
    let k = 0;
    for (const r of laid) for (let i = bounds[r]!; i < bounds[r + 1]!; i++) order[k++] = i;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  // Galloping assumes each run ascends, which a NaN among the times breaks.
  let nan = false;
  for (let i = 0; i < n && !nan; i++) nan = ts[i] !== ts[i];
  let spare = new Uint32Array(n);
  mergeRounds(
    bounds,
    (lo, mid, hi) => (nan ? mergeOneByOne(ts, order, spare, lo, mid, hi) : merge(ts, order, spare, lo, mid, hi)),
    () => ([order, spare] = [spare, order]),
  );
  return order;
}

/**
 * Merges runs pairwise, round after round, until one is left: `mergePair` merges [lo, mid)
 * and [mid, hi) (a last run without a partner is passed with mid = hi, to be copied), and
 * `endRound` makes what the round wrote the next round's input.
 */
function mergeRounds(bounds: readonly number[], mergePair: (lo: number, mid: number, hi: number) => void, endRound: () => void): void {
  let runs = bounds;
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r]!;
      const mid = runs[r + 1]!;
      const hi = r + 2 < runs.length ? runs[r + 2]! : mid;
      mergePair(lo, mid, hi);
      next.push(hi);
    }
    runs = next;
    endRound();
  }
}

/**
 * Merges the sorted index runs order[lo, mid) and order[mid, hi) into spare[lo, hi). Runs read
 * in parallel interleave in blocks (a reader's row group), so each side's block that comes
 * next is found by galloping and copied whole. Ties keep the earlier run's sample first: the
 * order is stable.
 */
function merge(ts: ArrayLike<number>, order: Uint32Array, spare: Uint32Array, lo: number, mid: number, hi: number): void {
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) {
    // The earlier run's samples up to the later run's next one (equal ones included)...
    const head = ts[order[j]!]!;
    let end = firstAfter(ts, order, i, mid, head, false);
    k = copy(order, i, end, spare, k);
    i = end;
    if (i === mid) break;
    // ...then the later run's samples before the earlier run's next one.
    end = firstAfter(ts, order, j, hi, ts[order[i]!]!, true);
    k = copy(order, j, end, spare, k);
    j = end;
  }
  k = copy(order, i, mid, spare, k);
  copy(order, j, hi, spare, k);
}

/** `merge` sample by sample, for times that hold a NaN. */
function mergeOneByOne(ts: ArrayLike<number>, order: Uint32Array, spare: Uint32Array, lo: number, mid: number, hi: number): void {
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) spare[k++] = ts[order[j]!]! < ts[order[i]!]! ? order[j++]! : order[i++]!;
  while (i < mid) spare[k++] = order[i++]!;
  while (j < hi) spare[k++] = order[j++]!;
}

/** The first position p in [from, to) whose time is past `t` (at or past it when `inclusive`), galloping from `from`. */
function firstAfter(ts: ArrayLike<number>, order: Uint32Array, from: number, to: number, t: number, inclusive: boolean): number {
  return gallop(from, to, inclusive ? (p) => ts[order[p]!]! >= t : (p) => ts[order[p]!]! > t);
}

/**
 * The first position in [from, to) where `past` holds, given that it holds from there on:
 * steps of growing size from `from`, then a binary search within the last step.
 */
function gallop(from: number, to: number, past: (p: number) => boolean): number {
  let step = 1;
  let below = from - 1;
  let at = from;
  while (at < to && !past(at)) {
    below = at;
    at = from + step;
    step *= 2;
  }
  let high = Math.min(at, to);
  // Past at `high` (or `high` is `to`), not past at `below`.
  while (high - below > 1) {
    const m = (below + high) >>> 1;
    if (past(m)) high = m;
    else below = m;
  }
  return high;
}

function copy(from: Uint32Array, start: number, end: number, to: Uint32Array, at: number): number {
  if (end - start > 16) to.set(from.subarray(start, end), at);
  else for (let p = start; p < end; p++) to[at + p - start] = from[p]!;
  return at + end - start;
}

/** Where the ascending runs of `ts` begin, and its length last. */
function runBounds(ts: ArrayLike<number>): number[] {
  const bounds = [0];
  for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) bounds.push(i);
  bounds.push(ts.length);
  return bounds;
}

/**
 * The runs (by index into `bounds`) in the order that lays them end to end into the stable
 * time order, when one does: each run ends before the next one begins, or at its first time
 * when it also comes first in `ts` (the stable order keeps the earlier sample first). Undefined
 * when runs overlap, or a time is NaN (the merge's order is kept for those).
 */
function disjointRuns(ts: ArrayLike<number>, bounds: readonly number[]): number[] | undefined {
  const runs = bounds.length - 1;
  if (runs < 2) return undefined;
  for (let i = 0; i < ts.length; i++) if (ts[i] !== ts[i]) return undefined;
  const order = Array.from({ length: runs }, (_, r) => r).sort((a, b) => ts[bounds[a]!]! - ts[bounds[b]!]! || a - b);
  for (let k = 1; k < runs; k++) {
    const before = order[k - 1]!;
    const after = order[k]!;
    const last = ts[bounds[before + 1]! - 1]!;
    const first = ts[bounds[after]!]!;
    if (!(last < first || (last === first && before < after))) return undefined;
  }
  return order;
}

/** Times and their values in the stable time order: the arrays themselves when already in order, else sorted copies. */
export function inTimeOrder<V extends Float64Array | undefined>(ts: Float64Array, values: V): { ts: Float64Array; values: V } {
  let sorted = true;
  for (let i = 1; i < ts.length && sorted; i++) sorted = ts[i - 1]! <= ts[i]!;
  if (sorted) return { ts, values };
  const byTime = new Float64Array(ts.length);
  const valuesByTime = values === undefined ? undefined : new Float64Array(ts.length);
  const bounds = runBounds(ts);
  const laid = disjointRuns(ts, bounds);
  if (laid) {
    // Whole runs copied in their order.
    let k = 0;
    for (const r of laid) {
      const from = bounds[r]!;
      const to = bounds[r + 1]!;
      byTime.set(ts.subarray(from, to), k);
      if (valuesByTime) valuesByTime.set(values!.subarray(from, to), k);
      k += to - from;
    }
    return { ts: byTime, values: valuesByTime as V };
  }
  let nan = false;
  for (let i = 0; i < ts.length && !nan; i++) nan = ts[i] !== ts[i];
  if (!nan) return mergedRuns(ts, values, bounds, byTime, valuesByTime as V);
  const order = timeOrder(ts);
  for (let i = 0; i < order.length; i++) {
    byTime[i] = ts[order[i]!]!;
    if (valuesByTime) valuesByTime[i] = values![order[i]!]!;
  }
  return { ts: byTime, values: valuesByTime as V };
}

/**
 * `inTimeOrder` of runs that overlap: merged pairwise as `timeOrder` merges them, moving the
 * times and values themselves (no index to gather through); `a` and `b` are the output
 * arrays' first pair, a second pair is made when more than one round is needed.
 */
function mergedRuns<V extends Float64Array | undefined>(ts: Float64Array, values: V, bounds: number[], a: Float64Array, b: V): { ts: Float64Array; values: V } {
  const n = ts.length;
  let fromT = ts;
  let fromV = values as Float64Array | undefined;
  let toT = a;
  let toV = b as Float64Array | undefined;
  let spareT: Float64Array | undefined;
  let spareV: Float64Array | undefined;
  mergeRounds(bounds, (lo, mid, hi) => mergeSamples(fromT, fromV, toT, toV, lo, mid, hi), () => {
    // The next round reads this round's output and writes into the other pair (not the caller's input).
    const writtenT = toT;
    const writtenV = toV;
    if (fromT === ts) {
      spareT ??= new Float64Array(n);
      spareV ??= values === undefined ? undefined : new Float64Array(n);
      toT = spareT;
      toV = spareV;
    } else {
      toT = fromT;
      toV = fromV;
    }
    fromT = writtenT;
    fromV = writtenV;
  });
  return { ts: fromT, values: fromV as V };
}

/** `merge` of the samples themselves: runs [lo, mid) and [mid, hi) of (ts, vs) into (outT, outV). */
function mergeSamples(ts: Float64Array, vs: Float64Array | undefined, outT: Float64Array, outV: Float64Array | undefined, lo: number, mid: number, hi: number): void {
  const move = (start: number, end: number, at: number) => {
    if (end - start > 16) {
      outT.set(ts.subarray(start, end), at);
      if (vs) outV!.set(vs.subarray(start, end), at);
    } else {
      for (let p = start; p < end; p++) outT[at + p - start] = ts[p]!;
      if (vs) for (let p = start; p < end; p++) outV![at + p - start] = vs[p]!;
    }
    return at + end - start;
  };
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) {
    let end = firstSampleAfter(ts, i, mid, ts[j]!, false);
    k = move(i, end, k);
    i = end;
    if (i === mid) break;
    end = firstSampleAfter(ts, j, hi, ts[i]!, true);
    k = move(j, end, k);
    j = end;
  }
  k = move(i, mid, k);
  move(j, hi, k);
}

/** `firstAfter` over the times themselves. */
function firstSampleAfter(ts: Float64Array, from: number, to: number, t: number, inclusive: boolean): number {
  return gallop(from, to, inclusive ? (p) => ts[p]! >= t : (p) => ts[p]! > t);
}
