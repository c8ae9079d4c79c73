/**
 * The stable time order of a series' samples, for LogQL's and PromQL's reads alike. Samples
 * arrive as a few ascending runs — a store's files and row groups are each in time order,
 * and parallel readers interleave whole row groups — so a natural merge sort (runs found,
 * then merged pairwise) orders them in about one pass where a comparator sort would compare
 * every pair of a long series.
 */
export function timeOrder(ts: ArrayLike<number>): Uint32Array {
  const n = ts.length;
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const bounds = [0];
  for (let i = 1; i < n; i++) if (ts[i]! < ts[i - 1]!) bounds.push(i);
  bounds.push(n);
  let runs = bounds;
  let spare = new Uint32Array(n);
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r]!;
      const mid = runs[r + 1]!;
      const hi = r + 2 < runs.length ? runs[r + 2]! : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      // Ties keep the earlier run's sample first: the order is stable.
      while (i < mid && j < hi) spare[k++] = ts[order[j]!]! < ts[order[i]!]! ? order[j++]! : order[i++]!;
      while (i < mid) spare[k++] = order[i++]!;
      while (j < hi) spare[k++] = order[j++]!;
      next.push(hi);
    }
    [order, spare] = [spare, order];
    runs = next;
  }
  return order;
}

/** Times and their values in the stable time order: the arrays themselves when already in order, else sorted copies. */
export function inTimeOrder<V extends Float64Array | undefined>(ts: Float64Array, values: V): { ts: Float64Array; values: V } {
  let sorted = true;
  for (let i = 1; i < ts.length && sorted; i++) sorted = ts[i - 1]! <= ts[i]!;
  if (sorted) return { ts, values };
  const order = timeOrder(ts);
  const byTime = new Float64Array(ts.length);
  const valuesByTime = values === undefined ? undefined : new Float64Array(ts.length);
  for (let i = 0; i < order.length; i++) {
    byTime[i] = ts[order[i]!]!;
    if (valuesByTime) valuesByTime[i] = values![order[i]!]!;
  }
  return { ts: byTime, values: valuesByTime as V };
}
