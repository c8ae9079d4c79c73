import type { Labels } from "./types.ts";

/**
 * The evaluation steps of a query: `count` instants from `startMs` every `stepMs` (an instant
 * query is a grid of one). Every engine value is computed for all steps at once.
 */
export interface StepGrid {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
  readonly count: number;
}

export function stepGrid(startMs: number, endMs: number, stepMs: number): StepGrid {
  if (!(stepMs > 0)) return { startMs, endMs: startMs, stepMs: 1, count: 1 };
  const count = Math.floor((endMs - startMs) / stepMs) + 1;
  return { startMs, endMs: startMs + (count - 1) * stepMs, stepMs, count };
}

export function stepTimes(grid: StepGrid): Float64Array {
  const times = new Float64Array(grid.count);
  for (let i = 0; i < grid.count; i++) times[i] = grid.startMs + i * grid.stepMs;
  return times;
}

/**
 * One series of an instant vector over the grid: a value at each step where `present` is set.
 * `sampleTimesMs`, when kept, is the time of the raw sample each value came from.
 */
export interface StepSeries {
  labels: Labels;
  values: Float64Array;
  present: Uint8Array;
  sampleTimesMs?: Float64Array;
}

export function emptyStepSeries(labels: Labels, count: number): StepSeries {
  return { labels, values: new Float64Array(count), present: new Uint8Array(count) };
}

/** Number of steps at which the series has a value. */
export function presentCount(series: StepSeries): number {
  let n = 0;
  for (let i = 0; i < series.present.length; i++) n += series.present[i];
  return n;
}

/** A range vector's series: raw samples (stale markers removed) and its window per step. */
export interface WindowSeries {
  labels: Labels;
  timestampsMs: Float64Array;
  values: Float64Array;
}

/**
 * Joins series with the same labels (present at different steps) into one, as a range result
 * shows them. Throws `onOverlap()` if two of them have a value at the same step.
 */
export function mergeSameLabels(
  series: readonly StepSeries[],
  keyOf: (labels: Labels) => string,
  onOverlap: () => Error,
): StepSeries[] {
  const byKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  for (const s of series) {
    const key = keyOf(s.labels);
    const prior = byKey.get(key);
    if (!prior) {
      byKey.set(key, s);
      out.push(s);
      continue;
    }
    const merged: StepSeries = { labels: prior.labels, values: prior.values.slice(), present: prior.present.slice() };
    for (let i = 0; i < s.present.length; i++) {
      if (!s.present[i]) continue;
      if (merged.present[i]) throw onOverlap();
      merged.present[i] = 1;
      merged.values[i] = s.values[i];
    }
    byKey.set(key, merged);
    out[out.indexOf(prior)] = merged;
  }
  return out;
}
