import { emptyStepSeries, type StepSeries } from "./grid.ts";
import { labelsKey } from "./labels.ts";
import { quantileOf, RunningMean, RunningVariance } from "./stats.ts";
import type { Labels } from "./types.ts";

/** Reductions of the values of one group at one step. */
export type Reducer = "sum" | "avg" | "min" | "max" | "count" | "group" | "stddev" | "stdvar" | "quantile";

/** Maps a member series' labels to its group's labels. */
export type GroupOf = (labels: Labels) => Labels;

interface Group {
  labels: Labels;
  members: StepSeries[];
}

function groupSeries(vector: readonly StepSeries[], groupOf: GroupOf): Group[] {
  const groups = new Map<string, Group>();
  for (const series of vector) {
    const labels = groupOf(series.labels);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { labels, members: [] }));
    group.members.push(series);
  }
  return [...groups.values()];
}

/** The reducers not folded (fold): each step reduced over its members. */
function reduceStep(reducer: SteppedReducer, members: StepSeries[], step: number, q: number): number | undefined {
  let seen = 0;
  let values: number[] | undefined;
  const mean = reducer === "avg" ? new RunningMean() : undefined;
  const variance = reducer === "stddev" || reducer === "stdvar" ? new RunningVariance() : undefined;
  for (const m of members) {
    if (!m.present[step]) continue;
    const v = m.values[step];
    seen++;
    switch (reducer) {
      case "avg":
        mean!.add(v);
        break;
      case "stddev":
      case "stdvar":
        variance!.add(v);
        break;
      case "quantile":
        (values ??= []).push(v);
        break;
    }
  }
  if (seen === 0) return undefined;
  switch (reducer) {
    case "avg":
      return mean!.mean;
    case "stdvar":
      return variance!.variance();
    case "stddev":
      return Math.sqrt(variance!.variance());
    case "quantile":
      return quantileOf(q, values!);
  }
}

/** Reducers folded member by member (fold): each step still sees its members in the group's order. */
type FoldedReducer = "sum" | "min" | "max" | "count" | "group";
type SteppedReducer = Exclude<Reducer, FoldedReducer>;
const FOLDED: ReadonlySet<Reducer> = new Set<FoldedReducer>(["sum", "min", "max", "count", "group"]);
const isFolded = (reducer: Reducer): reducer is FoldedReducer => FOLDED.has(reducer);

/**
 * A group reduced one member at a time over every step, instead of every member at each step:
 * each member's arrays are read straight through once. Null when no step has a value.
 */
function fold(reducer: FoldedReducer, group: Group, count: number): StepSeries | null {
  const series = emptyStepSeries(group.labels, count);
  const acc = series.values;
  const seen = new Uint32Array(count);
  for (const { values, present } of group.members) {
    for (let step = 0; step < count; step++) {
      if (!present[step]) continue;
      const v = values[step]!;
      const first = seen[step]++ === 0;
      if (reducer === "sum") acc[step] = first ? v : acc[step]! + v;
      else if (reducer === "min") {
        if (first || acc[step]! > v || Number.isNaN(acc[step])) acc[step] = v;
      } else if (reducer === "max") {
        if (first || acc[step]! < v || Number.isNaN(acc[step])) acc[step] = v;
      }
    }
  }
  let any = false;
  for (let step = 0; step < count; step++) {
    if (seen[step] === 0) continue;
    if (reducer === "count") acc[step] = seen[step]!;
    else if (reducer === "group") acc[step] = 1;
    series.present[step] = 1;
    any = true;
  }
  return any ? series : null;
}

/**
 * Reduces each group of series to one series per group, step by step. `param` holds the
 * per-step parameter of a parameterised reducer (the quantile's φ).
 */
export function aggregate(
  vector: readonly StepSeries[],
  count: number,
  groupOf: GroupOf,
  reducer: Reducer,
  param?: Float64Array,
): StepSeries[] {
  const out: StepSeries[] = [];
  for (const group of groupSeries(vector, groupOf)) {
    if (isFolded(reducer)) {
      const series = fold(reducer, group, count);
      if (series) out.push(series);
      continue;
    }
    const series = emptyStepSeries(group.labels, count);
    let any = false;
    for (let step = 0; step < count; step++) {
      const v = reduceStep(reducer, group.members, step, param ? param[step] : NaN);
      if (v === undefined) continue;
      series.values[step] = v;
      series.present[step] = 1;
      any = true;
    }
    if (any) out.push(series);
  }
  return out;
}

/**
 * Counts, per group and step, the series holding each distinct value: `labelsFor` gives the
 * output labels of a member holding a value (its group labels plus the value as a label).
 */
export function countByValue(
  vector: readonly StepSeries[],
  count: number,
  labelsFor: (labels: Labels, value: number) => Labels,
): StepSeries[] {
  const out = new Map<string, StepSeries>();
  for (let step = 0; step < count; step++) {
    for (const series of vector) {
      if (!series.present[step]) continue;
      const labels = labelsFor(series.labels, series.values[step]);
      const key = labelsKey(labels);
      let target = out.get(key);
      if (!target) out.set(key, (target = emptyStepSeries(labels, count)));
      target.values[step] = target.present[step] ? target.values[step] + 1 : 1;
      target.present[step] = 1;
    }
  }
  return [...out.values()];
}

interface Candidate {
  series: StepSeries;
  value: number;
}

/**
 * A binary heap run exactly as Go's container/heap runs it, so that among equal values the same
 * series win as in Prometheus (which keeps its top-k candidates in such a heap).
 */
class GoHeap {
  items: Candidate[] = [];
  constructor(private readonly less: (a: Candidate, b: Candidate) => boolean) {}
  private lessAt(i: number, j: number): boolean {
    return this.less(this.items[i], this.items[j]);
  }
  private swap(i: number, j: number): void {
    const t = this.items[i];
    this.items[i] = this.items[j];
    this.items[j] = t;
  }
  private up(j: number): void {
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.lessAt(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }
  private down(i0: number, n: number): boolean {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n || j1 < 0) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.lessAt(j2, j1)) j = j2;
      if (!this.lessAt(j, i)) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }
  push(c: Candidate): void {
    this.items.push(c);
    this.up(this.items.length - 1);
  }
  fix(i: number): void {
    if (!this.down(i, this.items.length)) this.up(i);
  }
}

/**
 * The k largest (`top`) or smallest values of each group at each step, keeping each chosen
 * series' own labels; NaN ranks below every number either way. `k` is per step, truncated.
 * Series come out in the order they are first chosen, each group's choice best first.
 */
export function selectK(
  vector: readonly StepSeries[],
  count: number,
  groupOf: GroupOf,
  k: Float64Array,
  top: boolean,
): StepSeries[] {
  const groups = groupSeries(vector, groupOf);
  const out = new Map<StepSeries, StepSeries>();
  const worse = top
    ? (a: Candidate, b: Candidate) => Number.isNaN(a.value) || a.value < b.value
    : (a: Candidate, b: Candidate) => Number.isNaN(a.value) || a.value > b.value;
  const better = (c: number, head: number) =>
    (top ? head < c : head > c) || (Number.isNaN(head) && !Number.isNaN(c));
  for (let step = 0; step < count; step++) {
    const kk = Math.trunc(k[step]);
    if (!(kk >= 1)) continue;
    for (const group of groups) {
      const heap = new GoHeap(worse);
      for (const series of group.members) {
        if (!series.present[step]) continue;
        const value = series.values[step];
        if (heap.items.length === 0) heap.items.push({ series, value });
        else if (heap.items.length < kk) heap.push({ series, value });
        else if (better(value, heap.items[0].value)) {
          heap.items[0] = { series, value };
          if (kk > 1) heap.fix(0);
        }
      }
      const chosen = heap.items.slice().sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
      for (const c of chosen) {
        let target = out.get(c.series);
        if (!target) out.set(c.series, (target = emptyStepSeries(c.series.labels, count)));
        target.values[step] = c.value;
        target.present[step] = 1;
      }
    }
  }
  return [...out.values()];
}
