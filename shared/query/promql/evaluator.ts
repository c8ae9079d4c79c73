import { evalWindows, selectInstant, windowSeries } from "../../series/select.ts";
import { labelsKey, normalizeLabels, sortedByLabels } from "../../series/labels.ts";
import { SeriesEngineError } from "../../series/errors.ts";
import type { Labels, SelectHints, SeriesSource } from "../../series/types.ts";
import { presentCount, type StepSeries } from "../../series/grid.ts";
import type { AtModifier, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from "./ast.ts";
import { PromQLError, tooManySamples } from "./errors.ts";
import { formatTime, formatValue } from "./format.ts";
import {
  DEFAULT_LOOKBACK_DELTA_MS, DEFAULT_MAX_SAMPLES, DEFAULT_SUBQUERY_STEP_MS,
  type EvaluateOptions, type QueryData, type SamplePair,
} from "./result.ts";
import type { Frame, MatrixValue, ScalarValue, Value, VectorValue } from "./values.ts";
import { evalCall } from "./calls.ts";
import { evalAggregate, evalBinary, evalUnary } from "./operators.ts";

/**
 * One query's evaluation: the source, the limits, and the query's own start and end (which
 * `@ start()` / `@ end()` refer to, also inside subqueries).
 */
export class Evaluation {
  readonly lookbackMs: number;
  readonly maxSamples: number;
  readonly subqueryStepMs: number;
  private held = 0;

  constructor(
    readonly source: SeriesSource,
    readonly queryStartMs: number,
    readonly queryEndMs: number,
    readonly queryStepMs: number | undefined,
    readonly options: EvaluateOptions,
  ) {
    this.lookbackMs = options.lookbackDeltaMs ?? DEFAULT_LOOKBACK_DELTA_MS;
    this.maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
    this.subqueryStepMs = options.defaultSubqueryStepMs ?? DEFAULT_SUBQUERY_STEP_MS;
  }

  /** Stops with Prometheus's timeout / canceled error once the signal fired. */
  checkAborted(): void {
    const signal = this.options.signal;
    if (!signal?.aborted) return;
    throw abortError(signal);
  }

  /** Counts samples the query now holds; fails past the limit. */
  hold(samples: number): void {
    this.held += samples;
    if (this.held > this.maxSamples) throw tooManySamples();
  }

  release(samples: number): void {
    this.held -= samples;
  }

  async eval(e: Expr, frame: Frame, hints: SelectHints = {}): Promise<Value> {
    this.checkAborted();
    switch (e.type) {
      case "NumberLiteral":
        return { kind: "scalar", values: new Float64Array(frame.times.length).fill(e.value) };
      case "StringLiteral":
        return { kind: "string", value: e.value };
      case "Paren":
        return this.eval(e.expr, frame, hints);
      case "VectorSelector":
        return this.vectorSelector(e, frame, hints);
      case "MatrixSelector":
        return this.matrixSelector(e, frame, hints);
      case "Subquery":
        return this.subquery(e, frame);
      case "Call":
        return evalCall(this, e, frame, hints);
      case "Aggregate":
        return evalAggregate(this, e, frame);
      case "Binary":
        return evalBinary(this, e, frame);
      case "Unary":
        return evalUnary(this, e, frame);
    }
  }

  /** A child's result that the caller is done with no longer counts against the limit. */
  done(v: Value): void {
    this.release(pointsOf(v));
  }

  /** Times each step's selector reads at: the step time (or the `@` time) minus the offset. */
  referenceTimes(frame: Frame, at: AtModifier | undefined, offsetMs: number): Float64Array {
    const refs = new Float64Array(frame.times.length);
    for (let i = 0; i < refs.length; i++) {
      const base = at === undefined ? frame.times[i] : at.kind === "time" ? at.ms : at.kind === "start" ? this.queryStartMs : this.queryEndMs;
      refs[i] = base - offsetMs;
    }
    return refs;
  }

  private async selectRaw(selector: VectorSelector, startMs: number, endMs: number, hints: SelectHints) {
    const hinted: SelectHints = { ...hints };
    if (this.queryStepMs !== undefined) hinted.stepMs = this.queryStepMs;
    let raw;
    try {
      raw = await this.source.select({ matchers: selector.matchers, startMs, endMs, hints: hinted }, this.options.signal);
    } catch (e) {
      this.checkAborted();
      throw e;
    }
    this.checkAborted();
    let n = 0;
    for (const s of raw) n += s.timestampsMs.length;
    this.hold(n);
    return { raw: sortedByLabels(raw, (s) => s.labels), samples: n };
  }

  private async vectorSelector(e: VectorSelector, frame: Frame, hints: SelectHints): Promise<VectorValue> {
    const refs = this.referenceTimes(frame, e.at, e.offsetMs);
    const { raw, samples } = await this.selectRaw(e, min(refs) - this.lookbackMs, max(refs), hints);
    const series: StepSeries[] = [];
    let points = 0;
    for (const s of raw) {
      this.checkAborted();
      const selected = selectInstant(s, refs, this.lookbackMs);
      if (!selected) continue;
      series.push(selected);
      points += presentCount(selected);
    }
    this.release(samples);
    this.hold(points);
    return { kind: "vector", series };
  }

  private async matrixSelector(e: MatrixSelector, frame: Frame, hints: SelectHints): Promise<MatrixValue> {
    const ends = this.referenceTimes(frame, e.selector.at, e.selector.offsetMs);
    const { raw } = await this.selectRaw(e.selector, min(ends) - e.rangeMs, max(ends), { ...hints, rangeMs: e.rangeMs });
    return { kind: "matrix", series: raw.map(windowSeries), rangeMs: e.rangeMs, windowEndsMs: ends };
  }

  /**
   * Evaluates the inner expression on its own grid — every multiple of the subquery step from the
   * first step's window start to the last step's reference time — and hands the points out as a
   * range vector whose windows are those of the enclosing steps.
   */
  private async subquery(e: SubqueryExpr, frame: Frame): Promise<MatrixValue> {
    const ends = this.referenceTimes(frame, e.at, e.offsetMs);
    const step = e.stepMs ?? this.subqueryStepMs;
    const innerStart = Math.ceil((min(ends) - e.rangeMs) / step) * step;
    const innerEnd = max(ends);
    const count = innerEnd >= innerStart ? Math.floor((innerEnd - innerStart) / step) + 1 : 0;
    // The inner grid's steps count against the limit before anything is allocated for them.
    this.hold(count);
    const times = new Float64Array(count);
    for (let i = 0; i < count; i++) times[i] = innerStart + i * step;
    const inner = count > 0 ? await this.eval(e.expr, { times }) : ({ kind: "vector", series: [] } as VectorValue);
    this.release(count);
    const vector = inner.kind === "scalar" ? [{ labels: {}, values: inner.values, present: new Uint8Array(count).fill(1) }] : (inner as VectorValue).series;
    const series = vector.map((s) => {
      const n = presentCount(s);
      const timestampsMs = new Float64Array(n);
      const values = new Float64Array(n);
      let j = 0;
      for (let i = 0; i < count; i++) {
        if (!s.present[i]) continue;
        timestampsMs[j] = times[i];
        values[j++] = s.values[i];
      }
      return { labels: s.labels, timestampsMs, values };
    });
    return { kind: "matrix", series, rangeMs: e.rangeMs, windowEndsMs: ends };
  }

  /** Applies a window function to every series of a range vector, one output per series. */
  windows(m: MatrixValue, frame: Frame, fn: Parameters<typeof evalWindows>[4]): StepSeries[] {
    const out: StepSeries[] = [];
    for (const s of m.series) {
      this.checkAborted();
      const r = evalWindows(s, m.windowEndsMs, frame.times, m.rangeMs, fn);
      if (r) out.push(r);
    }
    return out;
  }
}

function abortError(signal: AbortSignal): PromQLError {
  const reason = signal.reason as { name?: string } | undefined;
  if (reason?.name === "TimeoutError") return new PromQLError("timeout", "query timed out in query execution");
  return new PromQLError("canceled", "query was canceled in query execution");
}

function min(a: Float64Array): number {
  let m = Infinity;
  for (const v of a) if (v < m) m = v;
  return m;
}

function max(a: Float64Array): number {
  let m = -Infinity;
  for (const v of a) if (v > m) m = v;
  return m;
}

export function pointsOf(v: Value): number {
  switch (v.kind) {
    case "scalar":
      return 0;
    case "string":
      return 0;
    case "vector": {
      let n = 0;
      for (const s of v.series) n += presentCount(s);
      return n;
    }
    case "matrix": {
      let n = 0;
      for (const s of v.series) n += s.timestampsMs.length;
      return n;
    }
  }
}

/** Runs an evaluation, turning engine errors into Prometheus's `execution` errors. */
export async function run<T>(evaluation: Evaluation, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof PromQLError) throw e;
    if (e instanceof SeriesEngineError) throw new PromQLError("execution", e.message);
    if (evaluation.options.signal?.aborted) throw abortError(evaluation.options.signal);
    throw e;
  }
}

const pair = (ms: number, v: number): SamplePair => [formatTime(ms), formatValue(v)];

/** The API answer of an instant query evaluated at `timeMs`. */
export function instantResult(v: Value, timeMs: number, keepOrder: boolean): QueryData {
  switch (v.kind) {
    case "scalar":
      return { resultType: "scalar", result: pair(timeMs, v.values[0]) };
    case "string":
      return { resultType: "string", result: [formatTime(timeMs), v.value] };
    case "vector": {
      const present = v.series.filter((s) => s.present[0]);
      const ordered = keepOrder ? present : sortedByLabels(present, (s) => s.labels);
      return { resultType: "vector", result: ordered.map((s) => ({ metric: normalizeLabels(s.labels), value: pair(timeMs, s.values[0]) })) };
    }
    case "matrix": {
      const end = v.windowEndsMs[0];
      const result = sortedByLabels(v.series
        .map((s) => {
          const values: SamplePair[] = [];
          for (let i = 0; i < s.timestampsMs.length; i++) {
            const t = s.timestampsMs[i];
            if (t >= end - v.rangeMs && t <= end) values.push(pair(t, s.values[i]));
          }
          return { metric: normalizeLabels(s.labels), values };
        })
        .filter((s) => s.values.length > 0), (s) => s.metric);
      return { resultType: "matrix", result };
    }
  }
}

/** The API answer of a range query: every series with its points, in label order. */
export function rangeResult(v: ScalarValue | VectorValue, times: Float64Array): QueryData {
  const series = v.kind === "scalar" ? [{ labels: {}, values: v.values, present: new Uint8Array(times.length).fill(1) }] : v.series;
  const byKey = new Map<string, { labels: Labels; present: Uint8Array; values: Float64Array }>();
  for (const s of series) {
    const key = labelsKey(s.labels);
    const prior = byKey.get(key);
    if (!prior) {
      byKey.set(key, s);
      continue;
    }
    // Series that became equal after the engine merged (none expected): later steps win.
    const merged = { labels: prior.labels, present: prior.present.slice(), values: prior.values.slice() };
    for (let i = 0; i < times.length; i++) {
      if (!s.present[i]) continue;
      merged.present[i] = 1;
      merged.values[i] = s.values[i];
    }
    byKey.set(key, merged);
  }
  const result: { metric: Labels; values: SamplePair[] }[] = [];
  for (const s of byKey.values()) {
    const values: SamplePair[] = [];
    for (let i = 0; i < times.length; i++) if (s.present[i]) values.push(pair(times[i], s.values[i]));
    if (values.length > 0) result.push({ metric: normalizeLabels(s.labels), values });
  }
  return { resultType: "matrix", result: sortedByLabels(result, (s) => s.metric) };
}
