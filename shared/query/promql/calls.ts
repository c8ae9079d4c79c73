import { emptyStepSeries, type StepSeries } from "../../series/grid.ts";
import { bucketQuantile, type Bucket } from "../../series/histogram.ts";
import { labelsKey, withoutLabels } from "../../series/labels.ts";
import { compileAnchoredRegex } from "../../series/matchers.ts";
import { calendarField, type CalendarField, roundTo, sgn } from "../../series/math.ts";
import * as range from "../../series/range-functions.ts";
import type { WindowFunction } from "../../series/select.ts";
import { type Labels, METRIC_NAME_LABEL, type SelectHints } from "../../series/types.ts";
import type { Call, Expr } from "./ast.ts";
import { PromQLError } from "./errors.ts";
import type { Evaluation } from "./evaluator.ts";
import { LABEL_NAME } from "./parser.ts";
import { dropName, mergeSteps, requireDistinct } from "./series-rules.ts";
import { expandTemplate } from "./template.ts";
import type { Frame, MatrixValue, ScalarValue, StringValue, Value, VectorValue } from "./values.ts";

const MATH: Record<string, (v: number) => number> = {
  abs: Math.abs, ceil: Math.ceil, floor: Math.floor, exp: Math.exp, sqrt: Math.sqrt,
  ln: Math.log, log2: Math.log2, log10: Math.log10, sgn,
  deg: (v) => (v * 180) / Math.PI, rad: (v) => (v * Math.PI) / 180,
  acos: Math.acos, acosh: Math.acosh, asin: Math.asin, asinh: Math.asinh, atan: Math.atan, atanh: Math.atanh,
  cos: Math.cos, cosh: Math.cosh, sin: Math.sin, sinh: Math.sinh, tan: Math.tan, tanh: Math.tanh,
};

const CALENDAR = new Set(["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"]);

/** Range-vector functions: the window function each computes, given its scalar arguments. */
function windowFunction(name: string, scalars: Float64Array[]): WindowFunction | undefined {
  switch (name) {
    case "rate": return range.extrapolatedChange({ counter: true, perSecond: true });
    case "increase": return range.extrapolatedChange({ counter: true, perSecond: false });
    case "delta": return range.extrapolatedChange({ counter: false, perSecond: false });
    case "irate": return range.lastTwoChange({ perSecond: true });
    case "idelta": return range.lastTwoChange({ perSecond: false });
    case "deriv": return range.slope;
    case "predict_linear": return range.linearPrediction(scalars[0]);
    case "resets": return range.decreases;
    case "changes": return range.changes;
    case "avg_over_time": return range.windowAvg;
    case "sum_over_time": return range.windowSum;
    case "min_over_time": return range.windowMin;
    case "max_over_time": return range.windowMax;
    case "count_over_time": return range.windowCount;
    case "last_over_time": return range.windowLast;
    case "present_over_time": return range.windowPresent;
    case "stddev_over_time": return range.windowStddev;
    case "stdvar_over_time": return range.windowStdvar;
    case "quantile_over_time": return range.windowQuantile(scalars[0]);
    case "holt_winters": return range.doubleExponentialSmoothing(scalars[0], scalars[1]);
    default: return undefined;
  }
}

function unwrapParens(e: Expr): Expr {
  while (e.type === "Paren") e = e.expr;
  return e;
}

export async function evalCall(ev: Evaluation, e: Call, frame: Frame, hints: SelectHints): Promise<Value> {
  const count = frame.times.length;
  const args: Value[] = [];
  for (const arg of e.args) args.push(await ev.eval(arg, frame, { ...hints, func: e.func }));
  const scalars = args.filter((a): a is ScalarValue => a.kind === "scalar").map((a) => a.values);
  const matrix = args.find((a): a is MatrixValue => a.kind === "matrix");
  const vector = args.find((a): a is VectorValue => a.kind === "vector");
  const strings = args.filter((a): a is StringValue => a.kind === "string").map((a) => a.value);
  const result = (series: StepSeries[]): VectorValue => {
    for (const a of args) ev.done(a);
    return { kind: "vector", series };
  };

  if (matrix) {
    if (e.func === "absent_over_time") return result(absentOverTime(matrix, unwrapParens(e.args[0]), count));
    const fn = windowFunction(e.func, scalars)!;
    const keepName = e.func === "last_over_time";
    const series = ev.windows(matrix, frame, fn).map((s) => (keepName ? s : { ...s, labels: dropName(s.labels) }));
    return result(requireDistinct(series));
  }

  const perSeries = (f: (v: number, step: number) => number | undefined, keepName = false): VectorValue => {
    const out: StepSeries[] = [];
    for (const s of vector!.series) {
      const r = emptyStepSeries(keepName ? s.labels : dropName(s.labels), count);
      let any = false;
      for (let i = 0; i < count; i++) {
        if (!s.present[i]) continue;
        const v = f(s.values[i], i);
        if (v === undefined) continue;
        r.values[i] = v;
        r.present[i] = 1;
        any = true;
      }
      if (any) out.push(r);
    }
    return result(mergeSteps(out));
  };

  if (e.func in MATH) return perSeries(MATH[e.func]);
  if (CALENDAR.has(e.func)) {
    const field = e.func as CalendarField;
    if (!vector) {
      const values = new Float64Array(count);
      for (let i = 0; i < count; i++) values[i] = calendarField(field, Math.trunc(frame.times[i] / 1000));
      return result([{ labels: {}, values, present: new Uint8Array(count).fill(1) }]);
    }
    return perSeries((v) => calendarField(field, v));
  }
  switch (e.func) {
    case "time":
      return { kind: "scalar", values: frame.times.map((t) => t / 1000) };
    case "pi":
      return { kind: "scalar", values: new Float64Array(count).fill(Math.PI) };
    case "vector":
      return result([{ labels: {}, values: scalars[0].slice(), present: new Uint8Array(count).fill(1) }]);
    case "scalar": {
      const values = new Float64Array(count).fill(NaN);
      for (let i = 0; i < count; i++) {
        let n = 0;
        for (const s of vector!.series) {
          if (!s.present[i]) continue;
          n++;
          values[i] = s.values[i];
        }
        if (n !== 1) values[i] = NaN;
      }
      for (const a of args) ev.done(a);
      return { kind: "scalar", values };
    }
    case "clamp":
      return perSeries((v, i) => (scalars[1][i] < scalars[0][i] ? undefined : Math.max(scalars[0][i], Math.min(scalars[1][i], v))));
    case "clamp_max":
      return perSeries((v, i) => Math.min(v, scalars[0][i]));
    case "clamp_min":
      return perSeries((v, i) => Math.max(v, scalars[0][i]));
    case "round":
      return perSeries((v, i) => roundTo(v, scalars.length > 0 ? scalars[0][i] : 1));
    case "timestamp":
      return timestamps(vector!, frame, unwrapParens(e.args[0]).type === "VectorSelector", result);
    case "sort":
    case "sort_desc":
      return result(sortByValue(vector!.series, count, e.func === "sort_desc"));
    case "absent":
      return result(absent(vector!, unwrapParens(e.args[0]), count));
    case "label_replace":
      return result(labelReplace(vector!, strings));
    case "label_join":
      return result(labelJoin(vector!, strings));
    case "histogram_quantile":
      return result(histogramQuantile(vector!, scalars[0], count));
    case "histogram_count":
    case "histogram_sum":
    case "histogram_fraction":
      // These read native histograms only; float samples (all this engine stores) give nothing.
      return result([]);
  }
  throw new PromQLError("bad_data", `function ${JSON.stringify(e.func)} is not supported`);
}

function timestamps(vector: VectorValue, frame: Frame, fromSamples: boolean, result: (s: StepSeries[]) => VectorValue): VectorValue {
  const out = vector.series.map((s) => {
    const values = new Float64Array(s.values.length);
    for (let i = 0; i < values.length; i++) {
      if (s.present[i]) values[i] = (fromSamples && s.sampleTimesMs ? s.sampleTimesMs[i] : frame.times[i]) / 1000;
    }
    return { labels: dropName(s.labels), values, present: s.present };
  });
  return result(mergeSteps(out));
}

/**
 * sort / sort_desc of an instant vector (a range result is ordered by labels anyway), NaN last
 * either way. Prometheus sorts with "b is NaN or b comes after a" as its less-than, which makes
 * NaNs trade places; small vectors go through the same insertion sort as Go's sort.Sort so they
 * come out in the same order.
 */
function sortByValue(series: StepSeries[], count: number, descending: boolean): StepSeries[] {
  if (count !== 1) return series;
  const less = (a: StepSeries, b: StepSeries) =>
    Number.isNaN(b.values[0]) || (descending ? b.values[0] < a.values[0] : b.values[0] > a.values[0]);
  const out = series.slice();
  if (out.length <= 12) {
    for (let i = 1; i < out.length; i++) {
      for (let j = i; j > 0 && less(out[j], out[j - 1]); j--) [out[j], out[j - 1]] = [out[j - 1], out[j]];
    }
    return out;
  }
  return out.sort((x, y) => (less(x, y) ? -1 : less(y, x) ? 1 : 0));
}

/** Labels `absent` gives its answer: the selector's equality matchers, except ambiguous ones. */
function absentLabels(arg: Expr): Labels {
  const selector = arg.type === "VectorSelector" ? arg : arg.type === "MatrixSelector" ? arg.selector : undefined;
  if (!selector) return {};
  const out: Record<string, string> = {};
  const drop: string[] = [];
  for (const m of selector.matchers) {
    if (m.name === METRIC_NAME_LABEL) continue;
    if (m.op === "=" && !(m.name in out)) out[m.name] = m.value;
    else drop.push(m.name);
  }
  return withoutLabels(out, drop);
}

function absentSeries(labels: Labels, count: number, missing: (step: number) => boolean): StepSeries[] {
  const s = emptyStepSeries(labels, count);
  let any = false;
  for (let i = 0; i < count; i++) {
    if (!missing(i)) continue;
    s.values[i] = 1;
    s.present[i] = 1;
    any = true;
  }
  return any ? [s] : [];
}

function absent(vector: VectorValue, arg: Expr, count: number): StepSeries[] {
  return absentSeries(absentLabels(arg), count, (i) => !vector.series.some((s) => s.present[i]));
}

function absentOverTime(m: MatrixValue, arg: Expr, count: number): StepSeries[] {
  return absentSeries(absentLabels(arg), count, (i) => {
    const end = m.windowEndsMs[i];
    const start = end - m.rangeMs;
    return !m.series.some((s) => s.timestampsMs.some((t) => t >= start && t <= end));
  });
}

function labelReplace(vector: VectorValue, [dst, replacement, src, pattern]: string[]): StepSeries[] {
  let re: RegExp;
  try {
    re = compileAnchoredRegex(pattern);
  } catch {
    throw new PromQLError("execution", `invalid regular expression in label_replace(): ${pattern}`);
  }
  if (!LABEL_NAME.test(dst)) throw new PromQLError("execution", `invalid destination label name in label_replace(): ${dst}`);
  const out = vector.series.map((s) => {
    const match = re.exec(s.labels[src] ?? "");
    if (!match) return s;
    const value = expandTemplate(replacement, match);
    const labels: Record<string, string> = { ...s.labels };
    delete labels[dst];
    if (value !== "") labels[dst] = value;
    return { ...s, labels };
  });
  return mergeSteps(out);
}

function labelJoin(vector: VectorValue, [dst, separator, ...sources]: string[]): StepSeries[] {
  for (const src of sources) {
    if (!LABEL_NAME.test(src)) throw new PromQLError("execution", `invalid source label name in label_join(): ${src}`);
  }
  if (!LABEL_NAME.test(dst)) throw new PromQLError("execution", `invalid destination label name in label_join(): ${dst}`);
  const out = vector.series.map((s) => {
    const value = sources.map((src) => s.labels[src] ?? "").join(separator);
    const labels: Record<string, string> = { ...s.labels };
    delete labels[dst];
    if (value !== "") labels[dst] = value;
    return { ...s, labels };
  });
  return mergeSteps(out);
}

/** Go's strconv.ParseFloat for `le` values: decimals, exponents, Inf/NaN spellings. */
function parseBound(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  if (["inf", "+inf", "infinity", "+infinity"].includes(lower)) return Infinity;
  if (["-inf", "-infinity"].includes(lower)) return -Infinity;
  if (lower === "nan") return NaN;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/.test(lower)) return undefined;
  return Number(lower);
}

function histogramQuantile(vector: VectorValue, q: Float64Array, count: number): StepSeries[] {
  const groups = new Map<string, { labels: Labels; members: { series: StepSeries; bound: number }[] }>();
  for (const s of vector.series) {
    const bound = parseBound(s.labels.le);
    if (bound === undefined) continue;
    const key = labelsKey(withoutLabels(s.labels, ["le"]));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels: withoutLabels(s.labels, [METRIC_NAME_LABEL, "le"]), members: [] }));
    g.members.push({ series: s, bound });
  }
  const out: StepSeries[] = [];
  for (const g of groups.values()) {
    const r = emptyStepSeries(g.labels, count);
    let any = false;
    for (let i = 0; i < count; i++) {
      const buckets: Bucket[] = [];
      for (const m of g.members) if (m.series.present[i]) buckets.push({ upperBound: m.bound, count: m.series.values[i] });
      if (buckets.length === 0) continue;
      r.values[i] = bucketQuantile(q[i], buckets);
      r.present[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return mergeSteps(out);
}
