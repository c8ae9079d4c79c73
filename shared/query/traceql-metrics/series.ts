/**
 * Rows → series, with Tempo's semantics per function (pkg/traceql/engine_metrics*.go), on the
 * shared series engine's step series (one value per interval where present):
 * - rate = spans / step seconds, count_over_time = spans: every interval of a series has a
 *   value (0 without spans);
 * - min/max/sum/avg_over_time: only intervals where some span had a numeric value;
 * - histogram_over_time: a series per power-of-two bucket, labelled `__bucket`;
 * - quantile_over_time: a series per quantile, labelled `p`, interpolated over the buckets
 *   (0 in an interval without spans);
 * - ungrouped functions are labelled `__name__` = the function (Prometheus's habit);
 * - by(): a label per attribute the span has; a span with none of them is labelled with the
 *   first attribute and a nil value;
 * - topk/bottomk pick, at each interval, the k highest / lowest series (all when ≤ k series).
 */
import { emptyStepSeries, labelsKey, log2BucketQuantile, selectK, type StepSeries } from "../../series/index.ts";
import type { MetricsQuery, SecondStage } from "./ast.ts";
import { stringLabels } from "./labels.ts";
import type { MetricsWindow } from "./request.ts";
import { intervalCount } from "./request.ts";
import { NIL, type CompareRow, type ExemplarRow, type GroupRow, type TypedLabel, type TypedValue } from "./rows.ts";

export interface MetricsExemplar {
  labels: TypedLabel[];
  /** NaN when the function has no value per span (rate, counts). */
  value: number;
  timestampMs: number;
}

export interface MetricsSeries {
  labels: TypedLabel[];
  series: StepSeries;
  exemplars: MetricsExemplar[];
}

const COUNTING = new Set(["rate", "count_over_time", "histogram_over_time"]);

export function buildSeries(query: MetricsQuery, window: MetricsWindow, rows: readonly GroupRow[], exemplars: readonly ExemplarRow[], maxExemplars: number): MetricsSeries[] {
  const { stage } = query;
  const n = intervalCount(window);
  const out = stage.fn === "quantile_over_time" ? quantileSeries(query, n, rows) : plainSeries(query, window, n, rows);
  for (const s of out) s.series.labels = stringLabels(s.labels);
  attachExemplars(query, out, exemplars, maxExemplars);
  return query.second.reduce((series, stage) => (stage.op === "filter" ? valueFilter(stage, series) : secondStage(stage.op, stage.limit, series, n)), out);
}

/** Labels of a group: its non-nil by() values, or the first attribute with nil; `__name__` when ungrouped. */
function groupLabels(query: MetricsQuery, keys: readonly TypedValue[]): TypedLabel[] {
  const { by, fn } = query.stage;
  if (by.length === 0) return fn === "quantile_over_time" || fn === "histogram_over_time" ? [] : [{ name: "__name__", value: { type: "string", text: fn } }];
  const labels = by.flatMap((a, i) => (keys[i]!.type === "nil" ? [] : [{ name: a.label, value: keys[i]! }]));
  return labels.length > 0 ? labels : [{ name: by[0]!.label, value: NIL }];
}

function keyOf(keys: readonly TypedValue[], bucket: number | null): string {
  return JSON.stringify([keys.map((k) => [k.type, k.text]), bucket]);
}

function plainSeries(query: MetricsQuery, window: MetricsWindow, n: number, rows: readonly GroupRow[]): MetricsSeries[] {
  const { fn } = query.stage;
  const stepSeconds = Number(window.stepNs) / 1e9;
  const byKey = new Map<string, MetricsSeries & { sums?: Float64Array; counts?: Float64Array }>();
  for (const row of rows) {
    const key = keyOf(row.keys, fn === "histogram_over_time" ? row.bucket : null);
    let s = byKey.get(key);
    if (!s) {
      const labels = groupLabels(query, row.keys);
      if (fn === "histogram_over_time") labels.push({ name: "__bucket", value: { type: "double", text: String(row.bucket) } });
      s = { labels, series: emptyStepSeries({}, n), exemplars: [] };
      if (COUNTING.has(fn)) s.series.present.fill(1);
      byKey.set(key, s);
    }
    const i = row.interval;
    if (i < 0 || i >= n) continue;
    const v = s.series.values;
    switch (fn) {
      case "rate":
        v[i] += row.count / stepSeconds;
        break;
      case "count_over_time":
      case "histogram_over_time":
        v[i] += row.count;
        break;
      case "sum_over_time":
        if (row.valueCount > 0) combine(s.series, i, row.sum!, (a, b) => a + b);
        break;
      case "min_over_time":
        if (row.valueCount > 0) combine(s.series, i, row.min!, Math.min);
        break;
      case "max_over_time":
        if (row.valueCount > 0) combine(s.series, i, row.max!, Math.max);
        break;
      case "avg_over_time": {
        if (row.valueCount === 0) break;
        s.sums ??= new Float64Array(n);
        s.counts ??= new Float64Array(n);
        s.sums[i] += row.sum!;
        s.counts[i] += row.valueCount;
        s.series.values[i] = s.sums[i] / s.counts[i];
        s.series.present[i] = 1;
        break;
      }
      default:
        throw new Error(`${fn} is not a plain series function`);
    }
  }
  return [...byKey.values()].map(({ labels, series, exemplars }) => ({ labels, series, exemplars }));
}

function combine(series: StepSeries, i: number, value: number, f: (a: number, b: number) => number): void {
  series.values[i] = series.present[i] ? f(series.values[i], value) : value;
  series.present[i] = 1;
}

/** quantile_over_time: buckets per group and interval → one series per quantile. */
function quantileSeries(query: MetricsQuery, n: number, rows: readonly GroupRow[]): MetricsSeries[] {
  const qs = query.stage.quantiles!;
  const groups = new Map<string, { keys: TypedValue[]; buckets: Map<number, number>[] }>();
  for (const row of rows) {
    if (row.bucket === null || row.interval < 0 || row.interval >= n) continue;
    const key = keyOf(row.keys, null);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { keys: row.keys, buckets: Array.from({ length: n }, () => new Map()) }));
    const b = g.buckets[row.interval]!;
    b.set(row.bucket, (b.get(row.bucket) ?? 0) + row.count);
  }
  const out: MetricsSeries[] = [];
  for (const g of groups.values()) {
    const sorted = g.buckets.map((m) => [...m].sort((a, b) => a[0] - b[0]).map(([upperBound, count]) => ({ upperBound, count })));
    for (const q of qs) {
      const series = emptyStepSeries({}, n);
      series.present.fill(1);
      for (let i = 0; i < n; i++) series.values[i] = sorted[i]!.length === 0 ? 0 : log2BucketQuantile(q, sorted[i]!);
      out.push({ labels: [...groupLabels(query, g.keys), { name: "p", value: { type: "double", text: String(q) } }], series, exemplars: [] });
    }
  }
  return out;
}

/**
 * Exemplars: at most `max` over the query, spread over the series and intervals (one per
 * series and interval per round), each on a step where its series has a value. Quantile
 * exemplars go to the quantile series whose value at that step is closest (Tempo: the
 * closest quantile).
 */
function attachExemplars(query: MetricsQuery, series: MetricsSeries[], rows: readonly ExemplarRow[], max: number): void {
  if (max <= 0 || rows.length === 0) return;
  const isQuantile = query.stage.fn === "quantile_over_time";
  const histogram = query.stage.fn === "histogram_over_time";
  const index = new Map<string, MetricsSeries[]>();
  for (const s of series) {
    const key = JSON.stringify(s.labels.filter((l) => l.name !== "p").map((l) => [l.name, l.value.type, l.value.text]));
    index.set(key, [...(index.get(key) ?? []), s]);
  }
  let taken = 0;
  for (const row of rows) {
    if (taken >= max) break;
    const labels = groupLabels(query, row.keys);
    if (histogram) labels.push({ name: "__bucket", value: { type: "double", text: String(row.bucket) } });
    const candidates = index.get(JSON.stringify(labels.map((l) => [l.name, l.value.type, l.value.text])));
    if (!candidates) continue;
    const value = row.value ?? NaN;
    let target = candidates[0]!;
    if (isQuantile) {
      let best = Infinity;
      for (const c of candidates) {
        const d = Math.abs(value - c.series.values[row.interval]!);
        if (d < best) [best, target] = [d, c];
      }
    }
    if (!target.series.present[row.interval]) continue;
    target.exemplars.push({
      labels: [
        { name: "trace:id", value: { type: "string", text: row.traceId } },
        { name: "span:id", value: { type: "string", text: row.spanId } },
        ...labels.filter((l) => l.name !== "__name__" && l.name !== "__bucket" && l.value.type !== "nil"),
      ],
      value,
      timestampMs: row.timeMs,
    });
    taken++;
  }
  for (const s of series) s.exemplars.sort((a, b) => a.timestampMs - b.timestampMs);
}

/** topk / bottomk over all series at each interval (Tempo keeps every series when there are at most k). */
function secondStage(op: "topk" | "bottomk", limit: number, input: MetricsSeries[], n: number): MetricsSeries[] {
  if (input.length <= limit) return input;
  const owner = new Map(input.map((s) => [labelsKey(s.series.labels), s]));
  const chosen = selectK(input.map((s) => s.series), n, () => ({}), new Float64Array(n).fill(limit), op === "topk");
  // selectK answers new step series holding the chosen steps, labelled as their source.
  return chosen.map((c) => {
    const source = owner.get(labelsKey(c.labels))!;
    return { labels: source.labels, series: c, exemplars: source.exemplars };
  });
}

/** `> 10` after a metrics function: keeps the samples whose value compares true. */
function valueFilter(stage: Extract<SecondStage, { op: "filter" }>, input: MetricsSeries[]): MetricsSeries[] {
  const keep: Record<typeof stage.compare, (v: number) => boolean> = {
    "=": (v) => v === stage.value, "!=": (v) => v !== stage.value, ">": (v) => v > stage.value,
    ">=": (v) => v >= stage.value, "<": (v) => v < stage.value, "<=": (v) => v <= stage.value,
  };
  for (const s of input) {
    for (let i = 0; i < s.series.present.length; i++) if (s.series.present[i] && !keep[stage.compare](s.series.values[i]!)) s.series.present[i] = 0;
  }
  return input;
}

/**
 * compare(): per attribute, the top-N values (by total spans) of the baseline and of the
 * selection, labelled `__meta_type` = baseline | selection and `<attribute>` = value, plus
 * per attribute the totals (`baseline_total` / `selection_total`, attribute label nil).
 */
export function compareSeries(topN: number, window: MetricsWindow, rows: readonly CompareRow[]): MetricsSeries[] {
  const n = intervalCount(window);
  type Entry = { value: TypedValue; series: StepSeries; total: number };
  const values = new Map<string, Map<string, Entry>>();
  const totals = new Map<string, StepSeries>();
  for (const row of rows) {
    if (row.interval < 0 || row.interval >= n) continue;
    const type = row.selection ? "selection" : "baseline";
    const attrKey = `${type}\u0000${row.attribute}`;
    let byValue = values.get(attrKey);
    if (!byValue) values.set(attrKey, (byValue = new Map()));
    const vKey = `${row.value.type}\u0000${row.value.text}`;
    let entry = byValue.get(vKey);
    if (!entry) {
      entry = { value: row.value, series: emptyStepSeries({}, n), total: 0 };
      entry.series.present.fill(1);
      byValue.set(vKey, entry);
    }
    entry.series.values[row.interval] += row.count;
    entry.total += row.count;
    let total = totals.get(attrKey);
    if (!total) {
      total = emptyStepSeries({}, n);
      total.present.fill(1);
      totals.set(attrKey, total);
    }
    total.values[row.interval] += row.count;
  }
  const out: MetricsSeries[] = [];
  const meta = (t: string): TypedLabel => ({ name: "__meta_type", value: { type: "string", text: t } });
  for (const [attrKey, byValue] of values) {
    const [type, attribute] = attrKey.split("\u0000") as [string, string];
    const entries = [...byValue.values()];
    const top = entries.length <= topN ? entries : entries.sort((a, b) => b.total - a.total).slice(0, topN);
    for (const e of top) out.push({ labels: [meta(type), { name: attribute, value: e.value }], series: e.series, exemplars: [] });
  }
  for (const [attrKey, series] of totals) {
    const [type, attribute] = attrKey.split("\u0000") as [string, string];
    out.push({ labels: [meta(`${type}_total`), { name: attribute, value: NIL }], series, exemplars: [] });
  }
  for (const s of out) s.series.labels = stringLabels(s.labels);
  return out;
}
