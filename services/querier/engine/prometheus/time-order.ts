/**
 * Putting one series' samples back in time order after a read that may yield them in runs
 * (several files, files newest first) or woven together (DuckDB's threads scanning row
 * groups side by side), cheaply in the usual cases.
 */

/**
 * The samples sorted by time (stable), when they are not already. A scan yields each file's
 * rows in time order and the files newest first, so a series usually arrives as a few sorted
 * runs that do not overlap: those are only put back in order. DuckDB's threads may also
 * interleave the row groups they scan: the series is then a few ascending sequences woven
 * together, which are merged.
 */
export function inTimeOrder(times: Float64Array, values: Float64Array): { times: Float64Array; values: Float64Array } {
  const n = times.length;
  const starts = [0];
  for (let i = 1; i < n; i++) if (times[i - 1]! > times[i]!) starts.push(i);
  if (starts.length === 1) return { times, values };
  const runs = starts.map((start, k) => ({ start, end: starts[k + 1] ?? n })).sort((a, b) => times[a.start]! - times[b.start]!);
  let disjoint = true;
  for (let k = 1; k < runs.length && disjoint; k++) disjoint = times[runs[k - 1]!.end - 1]! < times[runs[k]!.start]!;
  const order = new Uint32Array(n);
  if (disjoint) {
    let at = 0;
    for (const run of runs) for (let i = run.start; i < run.end; i++) order[at++] = i;
  } else order.set(pileOrder(times) ?? sortOrder(times));
  const outTimes = new Float64Array(n);
  const outValues = new Float64Array(n);
  // Values are copied as their bits (two words each), so stale markers survive.
  const from = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const to = new Uint32Array(outValues.buffer);
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    outTimes[i] = times[j]!;
    to[2 * i] = from[2 * j]!;
    to[2 * i + 1] = from[2 * j + 1]!;
  }
  return { times: outTimes, values: outValues };
}

/** Most ascending sequences pileOrder merges; a series woven from more is sorted instead. */
const MAX_PILES = 8;

/**
 * The indexes of `times` in stable time order when they are a few ascending sequences woven
 * together (each index goes to the first sequence it extends), merged by (time, index); null
 * when more than MAX_PILES sequences would be needed.
 */
function pileOrder(times: Float64Array): Uint32Array | null {
  const n = times.length;
  const piles: number[][] = [];
  const tails: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    let p = 0;
    while (p < piles.length && tails[p]! > t) p++;
    if (p === piles.length) {
      if (p === MAX_PILES) return null;
      piles.push([]);
    }
    piles[p]!.push(i);
    tails[p] = t;
  }
  const heads = new Array<number>(piles.length).fill(0);
  const order = new Uint32Array(n);
  for (let at = 0; at < n; at++) {
    let best = -1;
    let bestIndex = 0;
    for (let p = 0; p < piles.length; p++) {
      if (heads[p]! === piles[p]!.length) continue;
      const j = piles[p]![heads[p]!]!;
      if (best < 0 || times[j]! < times[bestIndex]! || (times[j] === times[bestIndex] && j < bestIndex)) {
        best = p;
        bestIndex = j;
      }
    }
    order[at] = bestIndex;
    heads[best]!++;
  }
  return order;
}

/**
 * The indexes of `times` in stable time order. Each (time, index) is packed into one exact
 * double — (time − min) · 2^bits + index — so a native numeric sort does the work; a span
 * too wide to pack falls back to a comparator.
 */
function sortOrder(times: Float64Array): Uint32Array {
  const n = times.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, times[i]!);
    max = Math.max(max, times[i]!);
  }
  const bits = Math.ceil(Math.log2(n + 1));
  const scale = 2 ** bits;
  if ((max - min + 1) * scale > Number.MAX_SAFE_INTEGER) {
    return Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  }
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (times[i]! - min) * scale + i;
  packed.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = packed[i]! % scale;
  return order;
}

