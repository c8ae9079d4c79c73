/**
 * Range aggregations over sample series: for each step, the window (t - offset - range,
 * t - offset] — left-open, right-closed, as Loki's — and the series engine's window function
 * LogQL's operation names. Times stay in nanoseconds for the window edges; the functions get
 * milliseconds (what shared/series computes in).
 */
import { emptyStepSeries, type StepSeries } from "../../series/grid.ts";
import { rangeFunctions, tailQuantiles } from "../../series/index.ts";
import type { Window, WindowFunction } from "../../series/select.ts";
import type { Labels } from "../../series/types.ts";
import type { LabelMatcher, RangeOp } from "./ast.ts";
import type { Bounds } from "./bounds.ts";
import type { SampleSeries } from "./samples.ts";

function windowFunction(op: RangeOp, param: number | undefined, count: number): WindowFunction {
  const perRangeSecond = (f: WindowFunction): WindowFunction => (w) => {
    const v = f(w);
    return v === undefined ? undefined : v / (w.rangeMs / 1000);
  };
  switch (op) {
    case "count_over_time":
      return rangeFunctions.windowCount;
    case "rate":
      // Loki's rate: entries (or the unwrapped values' sum) per second of the range.
      return perRangeSecond(rangeFunctions.windowSum);
    case "bytes_over_time":
    case "sum_over_time":
      return rangeFunctions.windowSum;
    case "bytes_rate":
      return perRangeSecond(rangeFunctions.windowSum);
    case "rate_counter":
      return rangeFunctions.extrapolatedChange({ counter: true, perSecond: true });
    case "avg_over_time":
      return rangeFunctions.windowAvg;
    case "min_over_time":
      return rangeFunctions.windowMin;
    case "max_over_time":
      return rangeFunctions.windowMax;
    case "stddev_over_time":
      return rangeFunctions.windowStddev;
    case "stdvar_over_time":
      return rangeFunctions.windowStdvar;
    case "quantile_over_time":
      return rangeFunctions.windowQuantile(new Float64Array(count).fill(param ?? NaN));
    case "first_over_time":
      return (w) => (w.to > w.from ? w.values[w.from] : undefined);
    case "last_over_time":
      return rangeFunctions.windowLast;
    case "absent_over_time":
      return rangeFunctions.windowPresent;
  }
}

/** Evaluation steps in nanoseconds and the same times in milliseconds. */
export interface Steps {
  ns: bigint[];
  ms: Float64Array;
}

export function evalRangeAggregation(
  series: readonly SampleSeries[],
  op: RangeOp,
  param: number | undefined,
  rangeNs: bigint,
  offsetNs: bigint,
  steps: Steps,
  bounds: Bounds,
): StepSeries[] {
  const count = steps.ns.length;
  const fn = windowFunction(op, param, count);
  const quantiles = op === "quantile_over_time" ? new Float64Array(count).fill(param ?? NaN) : undefined;
  const rangeMs = Number(rangeNs) / 1e6;
  const out: StepSeries[] = [];
  for (const s of series) {
    const ts = s.offsetsNs;
    const originMs = Number(s.originNs / 1_000_000n) + Number(s.originNs % 1_000_000n) / 1e6;
    // quantile_over_time takes every window's edges first: its windows share their tails (tail-quantiles.ts).
    const edges = quantiles ? { from: new Float64Array(count), to: new Float64Array(count) } : undefined;
    // Sample times in milliseconds, for the window functions (the quantiles need none).
    const tsMs = new Float64Array(edges ? 0 : ts.length);
    for (let i = 0; i < tsMs.length; i++) tsMs[i] = originMs + ts[i]! / 1e6;
    const result = emptyStepSeries(s.labels, count);
    const w: Window = { timestampsMs: tsMs, values: s.values, from: 0, to: 0, startMs: 0, endMs: 0, rangeMs, evalMs: 0, step: 0 };
    let from = 0;
    let to = 0;
    let any = false;
    const rangeOffset = Number(rangeNs);
    for (let i = 0; i < count; i++) {
      bounds.tick();
      const end = Number(steps.ns[i]! - offsetNs - s.originNs);
      const start = end - rangeOffset;
      if (i > 0 && steps.ns[i]! < steps.ns[i - 1]!) from = to = 0;
      while (from < ts.length && ts[from]! <= start) from++;
      if (to < from) to = from;
      while (to < ts.length && ts[to]! <= end) to++;
      if (edges) {
        edges.from[i] = from;
        edges.to[i] = to;
        continue;
      }
      w.from = from;
      w.to = to;
      w.startMs = originMs + start / 1e6;
      w.endMs = originMs + end / 1e6;
      w.evalMs = steps.ms[i]!;
      w.step = i;
      const v = fn(w);
      if (v === undefined) continue;
      result.values[i] = v;
      result.present[i] = 1;
      any = true;
    }
    if (edges) {
      tailQuantiles(quantiles!, s.values, edges.from, edges.to, result.values);
      for (let i = 0; i < count; i++) {
        if (edges.to[i]! <= edges.from[i]!) continue;
        result.present[i] = 1;
        any = true;
      }
    }
    if (any) out.push(result);
  }
  return out;
}

/**
 * absent_over_time: 1 at the steps where no series has a sample, labelled with the
 * selector's equality matchers (a label named twice is left out), as Loki and Prometheus do.
 */
export function absentSeries(present: readonly StepSeries[], matchers: readonly LabelMatcher[], count: number): StepSeries[] {
  const labels: Record<string, string> = {};
  const seen = new Set<string>();
  for (const m of matchers) {
    if (m.op !== "=") continue;
    if (seen.has(m.name)) delete labels[m.name];
    else labels[m.name] = m.value;
    seen.add(m.name);
  }
  const result = emptyStepSeries(labels as Labels, count);
  let any = false;
  for (let i = 0; i < count; i++) {
    if (present.some((s) => s.present[i])) continue;
    result.values[i] = 1;
    result.present[i] = 1;
    any = true;
  }
  return any ? [result] : [];
}
