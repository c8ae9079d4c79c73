/**
 * `evaluateLogQL`: a LogQL query over a LogSource. Log queries answer entries (log-query.ts);
 * metric queries answer Prometheus-shaped data computed on the shared series engine
 * (metric-eval.ts), at `endNs` for an instant query or every `stepNs` of [startNs, endNs].
 */
import { compareLabels, normalizeLabels } from "../../series/labels.ts";
import type { StepSeries } from "../../series/grid.ts";
import { formatValue } from "../promql/format.ts";
import type { QueryData, SamplePair } from "../promql/result.ts";
import { QueryError } from "../errors.ts";
import type { LogQLExpr, MetricExpr } from "./ast.ts";
import { Bounds, DEFAULT_MAX_SAMPLES, refuseLongRange } from "./bounds.ts";
import { runLogQuery } from "./log-query.ts";
import { evalMetric, type MetricValue } from "./metric-eval.ts";
import { parseLogQL } from "./parser.ts";
import type { Steps } from "./range-aggregation.ts";
import type { LogQLParams, LogQLResult, LogSource } from "./source.ts";

export async function evaluateLogQL(source: LogSource, query: string | LogQLExpr, params: LogQLParams): Promise<LogQLResult> {
  const expr = typeof query === "string" ? parseLogQL(query) : query;
  if (params.maxRangeNs !== undefined) refuseLongRange(expr, params.maxRangeNs);
  const bounds = new Bounds(params.signal, params.maxSamples ?? DEFAULT_MAX_SAMPLES);
  if (expr.kind === "log") return { resultType: "streams", entries: await runLogQuery(source, expr, params, bounds) };
  const steps = stepsOf(params);
  const value = await evalMetric({ source, steps, bounds, signal: params.signal }, expr);
  return params.stepNs === undefined ? instantData(value, steps, orderOf(expr)) : rangeData(value, steps);
}

const MAX_POINTS = 11_000n;

function stepsOf(params: LogQLParams): Steps {
  if (params.stepNs === undefined) return { ns: [params.endNs], ms: new Float64Array([Number(params.endNs / 1_000_000n)]) };
  if (params.stepNs <= 0n) throw QueryError.invalid("zero or negative query resolution step widths are not accepted. Try a positive integer");
  if (params.endNs < params.startNs) throw QueryError.invalid("end timestamp must not be before start time");
  // Loki's (and Prometheus's) bound on a range query's resolution: a tiny step over a long range
  // would otherwise allocate steps for ever.
  if ((params.endNs - params.startNs) / params.stepNs >= MAX_POINTS) {
    throw QueryError.invalid(`exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)`);
  }
  const ns: bigint[] = [];
  for (let t = params.startNs; t <= params.endNs; t += params.stepNs) ns.push(t);
  return { ns, ms: Float64Array.from(ns, (t) => Number(t / 1_000_000n) + Number(t % 1_000_000n) / 1e6) };
}

/** How an instant vector is ordered: by labels, or as sort/sort_desc/topk/bottomk leave it. */
type Order = "labels" | "engine" | "asc" | "desc";

function orderOf(e: MetricExpr): Order {
  if (e.kind === "vector_aggregation") {
    if (e.op === "sort") return "asc";
    if (e.op === "sort_desc") return "desc";
    if (e.op === "topk" || e.op === "bottomk") return "engine";
  }
  return "labels";
}

const seconds = (ms: number) => ms / 1000;
const pair = (ms: number, v: number): SamplePair => [seconds(ms), formatValue(v)];

function instantData(v: MetricValue, steps: Steps, order: Order): QueryData {
  const t = steps.ms[0]!;
  if (v.kind === "scalar") return { resultType: "scalar", result: pair(t, v.values[0]!) };
  const present = v.series.filter((s) => s.present[0]);
  if (order === "labels") present.sort((a, b) => compareLabels(a.labels, b.labels));
  if (order === "asc") present.sort((a, b) => a.values[0]! - b.values[0]! || compareLabels(a.labels, b.labels));
  if (order === "desc") present.sort((a, b) => b.values[0]! - a.values[0]! || compareLabels(a.labels, b.labels));
  return { resultType: "vector", result: present.map((s) => ({ metric: normalizeLabels(s.labels), value: pair(t, s.values[0]!) })) };
}

function rangeData(v: MetricValue, steps: Steps): QueryData {
  const series: StepSeries[] = v.kind === "scalar" ? [{ labels: {}, values: v.values, present: new Uint8Array(steps.ns.length).fill(1) }] : v.series;
  const result = series
    .map((s) => {
      const values: SamplePair[] = [];
      for (let i = 0; i < steps.ns.length; i++) if (s.present[i]) values.push(pair(steps.ms[i]!, s.values[i]!));
      return { metric: normalizeLabels(s.labels), values };
    })
    .filter((s) => s.values.length > 0)
    .sort((a, b) => compareLabels(a.metric, b.metric));
  return { resultType: "matrix", result };
}
