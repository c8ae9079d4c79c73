import { describe, expect, test } from "bun:test";
import { aggregate, selectK } from "./aggregate.ts";
import { matchVectors, setOperation } from "./binary.ts";
import type { StepSeries } from "./grid.ts";
import { bucketQuantile } from "./histogram.ts";
import { labelsKey } from "./labels.ts";
import { MemorySeriesSource } from "./matchers.ts";
import { extrapolatedChange, lastTwoChange, windowQuantile } from "./range-functions.ts";
import { staleFlags, writeStaleMarker } from "./samples.ts";
import { evalWindows, selectInstant, windowSeries } from "./select.ts";
import type { RawSeries } from "./types.ts";

function raw(labels: Record<string, string>, points: [number, number][]): RawSeries {
  return {
    labels,
    timestampsMs: Float64Array.from(points.map((p) => p[0])),
    values: Float64Array.from(points.map((p) => p[1])),
  };
}

const step = (labels: Record<string, string>, values: (number | null)[]): StepSeries => ({
  labels,
  values: Float64Array.from(values.map((v) => v ?? 0)),
  present: Uint8Array.from(values.map((v) => (v === null ? 0 : 1))),
});

describe("instant selection", () => {
  test("takes the newest sample within the lookback, both ends included", () => {
    const s = raw({ a: "1" }, [[1000, 1], [2000, 2]]);
    const r = selectInstant(s, Float64Array.from([500, 1000, 1500, 2000, 302_000, 302_001]), 300_000)!;
    expect(Array.from(r.present)).toEqual([0, 1, 1, 1, 1, 0]);
    expect(Array.from(r.values)).toEqual([0, 1, 1, 2, 2, 0]);
    expect(r.sampleTimesMs![2]).toBe(1000);
  });

  test("a stale marker ends the series until the next sample", () => {
    const s = raw({ a: "1" }, [[1000, 1], [2000, 0], [3000, 3]]);
    writeStaleMarker(s.values, 1);
    expect(staleFlags(s.values)).not.toBeNull();
    const r = selectInstant(s, Float64Array.from([1500, 2500, 3500]), 300_000)!;
    expect(Array.from(r.present)).toEqual([1, 0, 1]);
  });

  test("an ordinary NaN is a value, not a stale marker", () => {
    const s = raw({ a: "1" }, [[1000, NaN]]);
    const r = selectInstant(s, Float64Array.from([1000]), 300_000)!;
    expect(r.present[0]).toBe(1);
    expect(Number.isNaN(r.values[0])).toBe(true);
  });
});

describe("range windows", () => {
  const counter = raw({ a: "1" }, [[0, 0], [15_000, 10], [30_000, 20], [45_000, 5], [60_000, 15]]);
  const run = (fn: Parameters<typeof evalWindows>[4], end = 60_000, range = 60_000) =>
    evalWindows(windowSeries(counter), Float64Array.from([end]), Float64Array.from([end]), range, fn);

  test("rate adds counter resets back and divides by the range", () => {
    // 0→20, reset, 5→15: increase 35 over samples spanning exactly the window.
    expect(run(extrapolatedChange({ counter: true, perSecond: true }))!.values[0]).toBeCloseTo(35 / 60, 12);
  });

  test("delta extrapolates to the window edges by at most half an interval", () => {
    const r = run(extrapolatedChange({ counter: false, perSecond: false }), 70_000, 60_000)!;
    // Samples 15 s–60 s (45 s), window 10 s–70 s: 5 s to the start, 10 s to the end, both < 1.1×15 s.
    expect(r.values[0]).toBeCloseTo(((15 - 10) * 60) / 45, 12);
  });

  test("irate uses the last two samples and treats a drop as a reset", () => {
    expect(run(lastTwoChange({ perSecond: true }), 45_000)!.values[0]).toBeCloseTo(5 / 15, 12);
  });

  test("quantile_over_time interpolates and clamps φ outside [0, 1] to infinities", () => {
    expect(run(windowQuantile(Float64Array.from([0.5])))!.values[0]).toBe(10);
    expect(run(windowQuantile(Float64Array.from([2])))!.values[0]).toBe(Infinity);
  });

  test("no samples in the window, no value", () => {
    expect(run(extrapolatedChange({ counter: true, perSecond: true }), 500_000)).toBeNull();
  });
});

describe("aggregation and matching", () => {
  const v = [step({ job: "a", i: "1" }, [1, null]), step({ job: "a", i: "2" }, [3, 4]), step({ job: "b", i: "3" }, [5, 6])];
  const byJob = (l: Record<string, string>) => ({ job: l.job });

  test("sum by job, step by step, skipping absent values", () => {
    const r = aggregate(v, 2, byJob, "sum");
    expect(r.map((s) => [s.labels.job, Array.from(s.values)])).toEqual([["a", [4, 4]], ["b", [5, 6]]]);
  });

  test("topk keeps the chosen series' own labels", () => {
    const r = selectK(v, 2, () => ({}), Float64Array.from([1, 1]), true);
    expect(r.map((s) => [s.labels.i, Array.from(s.present)])).toEqual([["3", [1, 1]]]);
  });

  test("one-to-one matching refuses duplicate series on the one side", () => {
    const rules = {
      cardinality: "one-to-one" as const,
      signature: (l: Record<string, string>) => l.job,
      matchedLabels: byJob,
      resultLabels: (l: Record<string, string>) => l,
    };
    const op = { value: (l: number, r: number) => l + r };
    expect(() => matchVectors([v[2]], v.slice(0, 2), 2, rules, op, false)).toThrow(/duplicate series/);
  });

  test("or adds right-hand series whose signature the left lacks at that step", () => {
    const r = setOperation([v[0]], [step({ job: "a", i: "9" }, [7, 8])], 2, "or", (l) => l.job);
    expect(r.map((s) => [labelsKey(s.labels), Array.from(s.present)])).toEqual([
      [labelsKey({ job: "a", i: "1" }), [1, 0]],
      [labelsKey({ job: "a", i: "9" }), [0, 1]],
    ]);
  });

  test("bucket quantile interpolates inside the bucket and needs +Inf", () => {
    const buckets = [{ upperBound: 1, count: 10 }, { upperBound: 2, count: 20 }, { upperBound: Infinity, count: 20 }];
    expect(bucketQuantile(0.75, buckets)).toBe(1.5);
    expect(bucketQuantile(0.5, buckets.slice(0, 2))).toBeNaN();
  });
});

test("the memory source answers matching series cut to the range", async () => {
  const src = new MemorySeriesSource([raw({ __name__: "x", a: "1" }, [[1, 1], [5, 5]]), raw({ __name__: "y" }, [[1, 1]])]);
  const r = await src.select({ matchers: [{ name: "a", op: "=~", value: "1|2" }], startMs: 2, endMs: 10 });
  expect(r.map((s) => Array.from(s.timestampsMs))).toEqual([[5]]);
});
