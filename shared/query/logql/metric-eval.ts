/**
 * Metric expressions over the step grid, on the shared series engine: range aggregations
 * (samples.ts, range-aggregation.ts), vector aggregations, binary operators with vector
 * matching, vector(), label_replace. Values are scalars (literals) or instant vectors.
 */
import { aggregate, selectK } from "../../series/aggregate.ts";
import { matchVectors, setOperation } from "../../series/binary.ts";
import { elementOp, scalarScalar, vectorScalar } from "../../series/element-ops.ts";
import { SeriesEngineError } from "../../series/errors.ts";
import { emptyStepSeries, type StepSeries } from "../../series/grid.ts";
import { keepLabels, labelsKey, withoutLabels } from "../../series/labels.ts";
import type { Labels } from "../../series/types.ts";
import { QueryError } from "../errors.ts";
import { type MetricExpr, SET_OPS } from "./ast.ts";
import type { Bounds } from "./bounds.ts";
import { compileRE2 } from "./re2.ts";
import { absentSeries, evalRangeAggregation, type Steps } from "./range-aggregation.ts";
import { collectSamples } from "./samples.ts";
import type { LogSource } from "./source.ts";

export type MetricValue = { kind: "scalar"; values: Float64Array } | { kind: "vector"; series: StepSeries[] };

export interface MetricContext {
  source: LogSource;
  steps: Steps;
  bounds: Bounds;
  signal?: AbortSignal;
}

export async function evalMetric(ctx: MetricContext, e: MetricExpr): Promise<MetricValue> {
  ctx.bounds.check();
  const count = ctx.steps.ns.length;
  switch (e.kind) {
    case "literal":
      return { kind: "scalar", values: new Float64Array(count).fill(e.value) };
    case "vector": {
      const s = emptyStepSeries({}, count);
      s.values.fill(e.value);
      s.present.fill(1);
      return { kind: "vector", series: [s] };
    }
    case "range_aggregation": {
      const first = ctx.steps.ns[0]!;
      const last = ctx.steps.ns[count - 1]!;
      const samples = await collectSamples(
        ctx.source, e.op, e.range, e.grouping,
        first - e.range.offsetNs - e.range.rangeNs, last - e.range.offsetNs, ctx.bounds, ctx.signal,
      );
      const series = evalRangeAggregation(samples, e.op, e.param, e.range.rangeNs, e.range.offsetNs, ctx.steps, ctx.bounds);
      if (e.op === "absent_over_time") return { kind: "vector", series: absentSeries(series, e.range.query.matchers, count) };
      ctx.bounds.hold(points(series));
      return { kind: "vector", series };
    }
    case "vector_aggregation":
      return vectorAggregation(ctx, e);
    case "binary":
      return binary(ctx, e);
    case "label_replace": {
      const inner = await evalMetric(ctx, e.expr);
      if (inner.kind !== "vector") throw QueryError.invalid("label_replace expects a vector");
      return { kind: "vector", series: labelReplace(inner.series, e) };
    }
  }
}

export function points(series: readonly StepSeries[]): number {
  let n = 0;
  for (const s of series) for (let i = 0; i < s.present.length; i++) n += s.present[i]!;
  return n;
}

function groupOf(grouping: { without: boolean; labels: string[] } | undefined): (l: Labels) => Labels {
  if (!grouping) return () => ({});
  return grouping.without ? (l) => withoutLabels(l, grouping.labels) : (l) => keepLabels(l, grouping.labels);
}

/** Range aggregations whose value over a group equals the sum of the values over its members. */
const ADDITIVE = new Set(["count_over_time", "rate", "bytes_over_time", "bytes_rate", "sum_over_time"]);

/**
 * `sum by (x) (count_over_time(…))` and the like: the grouping can be taken while the samples
 * are collected (each entry keyed by x alone) — the same answer, without a series per label
 * set of the input. Loki's query planner does the same.
 */
function pushedDownSum(e: Extract<MetricExpr, { kind: "vector_aggregation" }>): MetricExpr | undefined {
  const inner = e.expr;
  if (e.op !== "sum" || !e.grouping || e.grouping.without) return undefined;
  if (inner.kind !== "range_aggregation" || inner.grouping || !ADDITIVE.has(inner.op)) return undefined;
  return { ...inner, grouping: e.grouping };
}

async function vectorAggregation(ctx: MetricContext, e: Extract<MetricExpr, { kind: "vector_aggregation" }>): Promise<MetricValue> {
  const inner = await evalMetric(ctx, pushedDownSum(e) ?? e.expr);
  const count = ctx.steps.ns.length;
  const series = inner.kind === "vector" ? inner.series : [{ labels: {}, values: inner.values, present: new Uint8Array(count).fill(1) }];
  const group = groupOf(e.grouping);
  switch (e.op) {
    case "topk":
    case "bottomk":
      return { kind: "vector", series: selectK(series, count, group, new Float64Array(count).fill(e.param!), e.op === "topk") };
    case "sort":
    case "sort_desc":
      // The order is the result's (result.ts); the series themselves are unchanged.
      return { kind: "vector", series };
    default:
      return { kind: "vector", series: aggregate(series, count, group, e.op) };
  }
}

async function binary(ctx: MetricContext, e: Extract<MetricExpr, { kind: "binary" }>): Promise<MetricValue> {
  const lhs = await evalMetric(ctx, e.lhs);
  const rhs = await evalMetric(ctx, e.rhs);
  const count = ctx.steps.ns.length;
  if (lhs.kind === "scalar" && rhs.kind === "scalar") return { kind: "scalar", values: scalarScalar(e.op, lhs.values, rhs.values) };
  try {
    if (lhs.kind === "vector" && rhs.kind === "vector") return { kind: "vector", series: vectorVector(e, lhs.series, rhs.series, count) };
    const swap = lhs.kind === "scalar";
    const vector = (swap ? rhs : lhs) as Extract<MetricValue, { kind: "vector" }>;
    const scalar = (swap ? lhs : rhs) as Extract<MetricValue, { kind: "scalar" }>;
    return { kind: "vector", series: vectorScalar(e.op, vector.series, scalar.values, { swap, returnBool: e.modifier.returnBool, count }) };
  } catch (err) {
    if (err instanceof SeriesEngineError) throw QueryError.invalid(err.message);
    throw err;
  }
}

function vectorVector(e: Extract<MetricExpr, { kind: "binary" }>, lhs: StepSeries[], rhs: StepSeries[], count: number): StepSeries[] {
  const m = e.modifier.matching;
  const signatureLabels = m?.on ? (l: Labels) => keepLabels(l, m.labels) : (l: Labels) => withoutLabels(l, m?.labels ?? []);
  const signature = (l: Labels) => labelsKey(signatureLabels(l));
  if (SET_OPS.includes(e.op)) return setOperation(lhs, rhs, count, e.op as "and" | "or" | "unless", signature);
  const group = e.modifier.group;
  const cardinality = group ? (group.side === "left" ? "many-to-one" : "one-to-many") : "one-to-one";
  return matchVectors(lhs, rhs, count, {
    cardinality,
    signature,
    matchedLabels: signatureLabels,
    resultLabels: (left, right) => {
      let out: Record<string, string> = { ...left };
      if (cardinality === "one-to-one" && m) out = (m.on ? keepLabels(out, m.labels) : withoutLabels(out, m.labels)) as Record<string, string>;
      for (const name of group?.include ?? []) {
        const v = right[name];
        if (v) out[name] = v;
        else delete out[name];
      }
      return out;
    },
  }, elementOp(e.op), e.modifier.returnBool);
}

function labelReplace(series: StepSeries[], e: Extract<MetricExpr, { kind: "label_replace" }>): StepSeries[] {
  const re = compileRE2(e.regex, true);
  return series.map((s) => {
    const m = re.exec(s.labels[e.src] ?? "");
    if (!m) return s;
    const value = e.replacement.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, whole: string, braced?: string, bare?: string) => {
      if (whole === "$") return "$";
      const name = braced ?? bare!;
      if (/^\d+$/.test(name)) return m[Number(name)] ?? "";
      return m.groups?.[name] ?? "";
    });
    const labels: Record<string, string> = { ...s.labels };
    if (value === "") delete labels[e.dst];
    else labels[e.dst] = value;
    return { ...s, labels };
  });
}
