import type { RawSeries } from "./types.ts";

/**
 * Stale markers are recognised by their bits, read through an integer view of the same buffer:
 * loading the NaN into a JS number may canonicalise its payload and lose the marker.
 */
const STALE_HIGH = 0x7ff00000;
const STALE_LOW = 0x00000002;

function wordsOf(values: Float64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** Whether each sample is a stale marker; null when the series has none. */
export function staleFlags(values: Float64Array): Uint8Array | null {
  // A marker is a NaN: a series without one (most) needs no integer view of its buffer.
  let first = 0;
  while (first < values.length && values[first] === values[first]) first++;
  if (first === values.length) return null;
  const words = wordsOf(values);
  let flags: Uint8Array | null = null;
  for (let i = first; i < values.length; i++) {
    if (words[2 * i] === STALE_LOW && words[2 * i + 1] === STALE_HIGH) {
      flags ??= new Uint8Array(values.length);
      flags[i] = 1;
    }
  }
  return flags;
}

/** Writes a stale marker into `values[index]` bit for bit. */
export function writeStaleMarker(values: Float64Array, index: number): void {
  const words = wordsOf(values);
  words[2 * index] = STALE_LOW;
  words[2 * index + 1] = STALE_HIGH;
}

/** Samples of a series in time order with stale markers removed: what range windows see. */
export interface Samples {
  timestampsMs: Float64Array;
  values: Float64Array;
}

export function withoutStaleMarkers(series: RawSeries): Samples {
  const stale = staleFlags(series.values);
  if (!stale) return { timestampsMs: series.timestampsMs, values: series.values };
  let n = 0;
  for (let i = 0; i < stale.length; i++) if (!stale[i]) n++;
  const timestampsMs = new Float64Array(n);
  const values = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < stale.length; i++) {
    if (stale[i]) continue;
    timestampsMs[j] = series.timestampsMs[i];
    values[j] = series.values[i];
    j++;
  }
  return { timestampsMs, values };
}

/** Index of the last sample at or before `t`, or -1. */
export function lastAtOrBefore(timestampsMs: Float64Array, t: number): number {
  let lo = 0;
  let hi = timestampsMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestampsMs[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Index of the first sample of [from, to) at or after `t` (`to` when none). */
export function firstAtOrAfter(timestampsMs: Float64Array, t: number, from = 0, to = timestampsMs.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestampsMs[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
