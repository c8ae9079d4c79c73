import type { RawSeries } from "./types.ts";
import type { StepSeries, WindowSeries } from "./grid.ts";
import { firstAtOrAfter, lastAtOrBefore, staleFlags, withoutStaleMarkers } from "./samples.ts";

/**
 * The instant value of a raw series at each reference time: the newest sample no older than
 * `lookbackMs` (both ends included), unless that sample is a stale marker. Null when the series
 * has no value at any step.
 */
export function selectInstant(
  series: RawSeries,
  refTimesMs: Float64Array,
  lookbackMs: number,
): StepSeries | null {
  const count = refTimesMs.length;
  const stale = staleFlags(series.values);
  const values = new Float64Array(count);
  const present = new Uint8Array(count);
  const sampleTimesMs = new Float64Array(count);
  let any = false;
  const ts = series.timestampsMs;
  let at = -1;
  for (let i = 0; i < count; i++) {
    const ref = refTimesMs[i];
    // Reference times usually rise step by step: walk forward, search only when they do not.
    if (i > 0 && ref >= refTimesMs[i - 1]) {
      while (at + 1 < ts.length && ts[at + 1] <= ref) at++;
    } else {
      at = lastAtOrBefore(ts, ref);
    }
    if (at < 0) continue;
    const t = series.timestampsMs[at];
    if (t < ref - lookbackMs) continue;
    if (stale && stale[at]) continue;
    values[i] = series.values[at];
    sampleTimesMs[i] = t;
    present[i] = 1;
    any = true;
  }
  return any ? { labels: series.labels, values, present, sampleTimesMs } : null;
}

/** A raw series prepared for range windows: stale markers dropped. */
export function windowSeries(series: RawSeries): WindowSeries {
  const { timestampsMs, values } = withoutStaleMarkers(series);
  return { labels: series.labels, timestampsMs, values };
}

/**
 * The samples of one window: indexes [from, to) into the series' arrays, which hold the samples
 * with startMs <= t <= endMs. `step` is the evaluation step the window belongs to and `evalMs`
 * its evaluation time (before any offset), which some functions extrapolate to.
 */
export interface Window {
  timestampsMs: Float64Array;
  values: Float64Array;
  from: number;
  to: number;
  startMs: number;
  endMs: number;
  rangeMs: number;
  evalMs: number;
  step: number;
}

/** A function of one window's samples; undefined means "no value at this step". */
export type WindowFunction = (window: Window) => number | undefined;

/**
 * Applies `fn` to the window ending at each `windowEndsMs[i]` and spanning `rangeMs`. Null when
 * no step produced a value.
 */
export function evalWindows(
  series: WindowSeries,
  windowEndsMs: Float64Array,
  evalTimesMs: Float64Array,
  rangeMs: number,
  fn: WindowFunction,
): StepSeries | null {
  const count = windowEndsMs.length;
  const values = new Float64Array(count);
  const present = new Uint8Array(count);
  let any = false;
  const window: Window = {
    timestampsMs: series.timestampsMs,
    values: series.values,
    from: 0,
    to: 0,
    startMs: 0,
    endMs: 0,
    rangeMs,
    evalMs: 0,
    step: 0,
  };
  const ts = series.timestampsMs;
  let from = 0;
  let to = 0;
  for (let i = 0; i < count; i++) {
    const end = windowEndsMs[i];
    const start = end - rangeMs;
    // Windows usually move forward step by step: advance both edges, search only when they do not.
    if (i > 0 && end >= windowEndsMs[i - 1]) {
      while (from < ts.length && ts[from] < start) from++;
      while (to < ts.length && ts[to] <= end) to++;
    } else {
      from = firstAtOrAfter(ts, start);
      to = lastAtOrBefore(ts, end) + 1;
    }
    window.from = from;
    window.to = to;
    window.startMs = start;
    window.endMs = end;
    window.evalMs = evalTimesMs[i];
    window.step = i;
    const v = fn(window);
    if (v === undefined) continue;
    values[i] = v;
    present[i] = 1;
    any = true;
  }
  return any ? { labels: series.labels, values, present } : null;
}
