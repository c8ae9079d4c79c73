/**
 * Tempo's metrics semantics at the engine level: default steps and alignment (cases from
 * Tempo's engine_metrics_test.go), power-of-two quantiles, rows → series, and the mapping of
 * the language's tree.
 */
import { describe, expect, test } from "bun:test";
import { log2BucketQuantile } from "../../series/index.ts";
import {
  buildSeries, defaultStepNs, goDuration, instantWindow, intervalCount, intervalOf, intervalTimeMs, parseMetricsQuery, queryRangeResponse,
  rangeWindow, type GroupRow, type TypedValue,
} from "./index.ts";

const S = 1_000_000_000n;
const str = (text: string): TypedValue => ({ type: "string", text });

describe("the time grid", () => {
  test("default step: about 240 points at Tempo's granularities", () => {
    const cases: [bigint, string][] = [
      [59n * S, "200ms"], [60n * S, "1s"], [300n * S, "1s"], [900n * S, "3s"], [1800n * S, "5s"], [3600n * S, "15s"],
      [3n * 3600n * S, "45s"], [6n * 3600n * S, "1m0s"], [12n * 3600n * S, "3m0s"], [86400n * S, "5m0s"], [30n * 86400n * S, "3h0m0s"],
    ];
    for (const [window, expected] of cases) expect(goDuration(defaultStepNs(0n, window))).toBe(expected);
  });

  test("a range is aligned to the step with one extra leading interval", () => {
    const base = 1_000_020n * S; // a multiple of 60 s
    const w = rangeWindow(base + 7n * S, base + 175n * S, 60n * S);
    expect([w.startNs, w.endNs]).toEqual([base - 60n * S, base + 180n * S]);
    expect(intervalCount(w)).toBe(4);
    // A span exactly at an interval's end belongs to it; one just after starts the next.
    expect(intervalOf(w, w.startNs)).toBe(-1);
    expect(intervalOf(w, w.startNs + 60n * S)).toBe(0);
    expect(intervalOf(w, w.startNs + 60n * S + 1n)).toBe(1);
    expect(intervalOf(w, w.endNs + 1n)).toBe(-1);
    expect(intervalTimeMs(w, 0)).toBe(Number((w.startNs + 60n * S) / 1_000_000n));
  });

  test("an instant window is one interval over (start, end]", () => {
    const w = instantWindow(10n * S, 70n * S);
    expect(intervalCount(w)).toBe(1);
    expect([intervalOf(w, 10n * S), intervalOf(w, 70n * S)]).toEqual([-1, 0]);
  });

  test("refusals name the problem", () => {
    expect(() => rangeWindow(10n * S, 10n * S, S)).toThrow("end must be greater than start");
    expect(() => rangeWindow(0n, 3600n * S, 1_000_000n)).toThrow("step of 1ms is too small, minimum step for given range is 360ms");
  });
});

describe("power-of-two quantiles (Tempo's Log2Quantile)", () => {
  const b = (...pairs: [number, number][]) => pairs.map(([upperBound, count]) => ({ upperBound, count }));
  test("a rank ending exactly on a bucket is its bound", () => {
    expect(log2BucketQuantile(1, b([1, 5], [2, 5]))).toBe(2);
    expect(log2BucketQuantile(0.5, b([1, 5], [2, 5]))).toBe(1);
  });
  test("otherwise exponential interpolation, from half the bound in the first bucket", () => {
    expect(log2BucketQuantile(0.5, b([2, 10]))).toBeCloseTo(Math.SQRT2, 12);
    expect(log2BucketQuantile(0.5, b([1, 2], [2, 4], [4, 2]))).toBeCloseTo(2 ** 0.5, 12);
  });
  test("empty or out of range: 0", () => {
    expect(log2BucketQuantile(0.5, [])).toBe(0);
    expect(log2BucketQuantile(1.5, b([2, 1]))).toBe(0);
  });
});

describe("rows to series", () => {
  const w = rangeWindow(600n * S, 780n * S, 60n * S);
  const row = (service: string, interval: number, count: number): GroupRow => ({
    keys: [str(service)], bucket: null, interval, count, valueCount: 0, sum: null, min: null, max: null,
  });

  test("rate: spans per second, every interval present", () => {
    const q = parseMetricsQuery("{} | rate() by (resource.service.name)");
    const series = buildSeries(q, w, [row("a", 1, 6), row("a", 3, 12), row("b", 2, 3)], [], 0);
    const answer = queryRangeResponse(series, w, { inspectedSpans: 21, inspectedBytes: 0 });
    expect(answer.series.map((s) => [s.promLabels, s.samples.map((x) => x.value)])).toEqual([
      ['{resource.service.name="a"}', [0, 0.1, 0, 0.2]],
      ['{resource.service.name="b"}', [0, 0, 0.05, 0]],
    ]);
  });

  test("topk(1) picks the highest series at each step", () => {
    const q = parseMetricsQuery("{} | count_over_time() by (resource.service.name) | topk(1)");
    const series = buildSeries(q, w, [row("a", 1, 6), row("b", 1, 2), row("b", 2, 3), row("c", 3, 1)], [], 0);
    const answer = queryRangeResponse(series, w, { inspectedSpans: 0, inspectedBytes: 0 });
    const best = new Map<string, string>();
    for (const s of answer.series) for (const x of s.samples) if (x.value !== 0) best.set(x.timestampMs, s.promLabels);
    expect([...best.values()]).toEqual(['{resource.service.name="a"}', '{resource.service.name="b"}', '{resource.service.name="c"}']);
  });

  test("a value filter after the function drops the samples that compare false", () => {
    const q = parseMetricsQuery("{} | count_over_time() by (resource.service.name) > 2");
    const answer = queryRangeResponse(buildSeries(q, w, [row("a", 1, 6), row("a", 2, 1)], [], 0), w, { inspectedSpans: 0, inspectedBytes: 0 });
    expect(answer.series[0]!.samples.map((x) => x.value)).toEqual([6]);
  });
});

describe("reading the language's tree", () => {
  test("function, field, quantiles, by() and hints", () => {
    const q = parseMetricsQuery("{ status = error } | quantile_over_time(span:duration, .5, .99) by (span.http.route, rootServiceName) with(exemplars=false)");
    expect(q.stage.fn).toBe("quantile_over_time");
    expect(q.stage.attribute).toMatchObject({ type: "intrinsic", name: "duration", label: "span:duration" });
    expect(q.stage.quantiles).toEqual([0.5, 0.99]);
    expect(q.stage.by.map((a) => a.label)).toEqual(["span.http.route", "rootServiceName"]);
    expect(q.hints.exemplars).toBe(false);
  });

  test("compare's defaults and a search query refused", () => {
    expect(parseMetricsQuery("{} | compare({ status = error })").stage.compare?.topN).toBe(10);
    expect(() => parseMetricsQuery("{ status = error }")).toThrow("not a metrics query");
  });
});
