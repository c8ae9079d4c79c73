import { aggregate, countByValue, selectK } from "../../series/aggregate.ts";
import { matchVectors, setOperation } from "../../series/binary.ts";
import { elementOp, scalarScalar, vectorScalar } from "../../series/element-ops.ts";
import { type StepSeries } from "../../series/grid.ts";
import { keepLabels, labelsKey, withoutLabels } from "../../series/labels.ts";
import { type Labels, METRIC_NAME_LABEL } from "../../series/types.ts";
import type { AggregateExpr, BinaryExpr, BinaryOp, UnaryExpr } from "./ast.ts";
import { SET_OPS } from "./ast.ts";
import { PromQLError } from "./errors.ts";
import type { Evaluation } from "./evaluator.ts";
import { formatValue } from "./format.ts";
import { LABEL_NAME } from "./parser.ts";
import { dropName, duplicateLabelsetError, groupingOf, mergeSteps } from "./series-rules.ts";
import type { Frame, ScalarValue, StringValue, Value, VectorValue } from "./values.ts";

/** Prometheus drops the metric name for these operators (atan2 keeps it, as in 2.x). */
const NAME_DROPPING = new Set<BinaryOp>(["+", "-", "*", "/", "%", "^"]);

export async function evalBinary(ev: Evaluation, e: BinaryExpr, frame: Frame): Promise<Value> {
  const lhs = await ev.eval(e.lhs, frame);
  const rhs = await ev.eval(e.rhs, frame);
  const count = frame.times.length;
  if (lhs.kind === "scalar" && rhs.kind === "scalar") return { kind: "scalar", values: scalarScalar(e.op, lhs.values, rhs.values) };
  const dropsName = NAME_DROPPING.has(e.op) || e.returnBool;
  let result: StepSeries[];
  if (lhs.kind === "vector" && rhs.kind === "vector") {
    result = vectorVector(e, lhs, rhs, count, dropsName);
  } else {
    const swap = lhs.kind === "scalar";
    const vector = (swap ? rhs : lhs) as VectorValue;
    const scalar = (swap ? lhs : rhs) as ScalarValue;
    result = vectorScalar(e.op, vector.series, scalar.values, { swap, returnBool: e.returnBool, count, ...(dropsName ? { relabel: dropName } : {}) });
  }
  ev.done(lhs);
  ev.done(rhs);
  const out: VectorValue = { kind: "vector", series: mergeSteps(result) };
  ev.hold(pointsOfSeries(out.series));
  return out;
}

function vectorVector(e: BinaryExpr, lhs: VectorValue, rhs: VectorValue, count: number, dropsName: boolean): StepSeries[] {
  const m = e.matching!;
  const signatureLabels = m.on
    ? (l: Labels) => keepLabels(l, m.labels)
    : (l: Labels) => withoutLabels(l, [...m.labels, METRIC_NAME_LABEL]);
  const signature = (l: Labels) => labelsKey(signatureLabels(l));
  if (SET_OPS.includes(e.op)) {
    return setOperation(lhs.series, rhs.series, count, e.op as "and" | "or" | "unless", signature);
  }
  return matchVectors(lhs.series, rhs.series, count, {
    cardinality: m.card === "many-to-many" ? "one-to-one" : m.card,
    signature,
    matchedLabels: signatureLabels,
    resultLabels: (left, right) => {
      let out: Record<string, string> = { ...left };
      if (dropsName) delete out[METRIC_NAME_LABEL];
      if (m.card === "one-to-one") out = (m.on ? keepLabels(out, m.labels) : withoutLabels(out, m.labels)) as Record<string, string>;
      for (const name of m.include) {
        const v = right[name];
        if (v) out[name] = v;
        else delete out[name];
      }
      if (e.returnBool) delete out[METRIC_NAME_LABEL];
      return out;
    },
  }, elementOp(e.op), e.returnBool);
}

export async function evalUnary(ev: Evaluation, e: UnaryExpr, frame: Frame): Promise<Value> {
  const inner = await ev.eval(e.expr, frame);
  if (e.op === "+") return inner;
  if (inner.kind === "scalar") return { kind: "scalar", values: inner.values.map((v) => -v) };
  const series = (inner as VectorValue).series.map((s) => ({ labels: dropName(s.labels), values: s.values.map((v) => -v), present: s.present }));
  const seen = new Set<string>();
  for (const s of series) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw duplicateLabelsetError();
    seen.add(key);
  }
  return { kind: "vector", series };
}

export async function evalAggregate(ev: Evaluation, e: AggregateExpr, frame: Frame): Promise<Value> {
  const count = frame.times.length;
  const param = e.param ? await ev.eval(e.param, frame) : undefined;
  const inner = (await ev.eval(e.expr, frame, { grouping: e.grouping, without: e.without })) as VectorValue;
  const groupOf = groupingOf(e.grouping, e.without);
  let series: StepSeries[];
  switch (e.op) {
    case "topk":
    case "bottomk":
      series = selectK(inner.series, count, groupOf, (param as ScalarValue).values, e.op === "topk");
      break;
    case "count_values": {
      const label = (param as StringValue).value;
      if (!LABEL_NAME.test(label)) throw new PromQLError("execution", `invalid label name ${JSON.stringify(label)}`);
      const groupWith = groupingOf(e.without ? e.grouping : [...e.grouping, label], e.without);
      series = countByValue(inner.series, count, (labels, value) => groupWith({ ...labels, [label]: formatValue(value) }));
      break;
    }
    case "quantile":
      series = aggregate(inner.series, count, groupOf, "quantile", (param as ScalarValue).values);
      break;
    default:
      series = aggregate(inner.series, count, groupOf, e.op);
  }
  ev.done(inner);
  const out: VectorValue = { kind: "vector", series };
  ev.hold(pointsOfSeries(series));
  return out;
}

function pointsOfSeries(series: readonly StepSeries[]): number {
  let n = 0;
  for (const s of series) for (let i = 0; i < s.present.length; i++) n += s.present[i];
  return n;
}
