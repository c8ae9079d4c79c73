import { aggregate, countByValue, selectK } from "../../series/aggregate.ts";
import { type ElementOp, matchVectors, setOperation } from "../../series/binary.ts";
import { emptyStepSeries, type StepSeries } from "../../series/grid.ts";
import { keepLabels, labelsKey, withoutLabels } from "../../series/labels.ts";
import { mod, pow } from "../../series/math.ts";
import { type Labels, METRIC_NAME_LABEL } from "../../series/types.ts";
import type { AggregateExpr, BinaryExpr, BinaryOp, UnaryExpr } from "./ast.ts";
import { COMPARISON_OPS, SET_OPS } from "./ast.ts";
import { PromQLError } from "./errors.ts";
import type { Evaluation } from "./evaluator.ts";
import { formatValue } from "./format.ts";
import { LABEL_NAME } from "./parser.ts";
import { dropName, duplicateLabelsetError, groupingOf, mergeSteps } from "./series-rules.ts";
import type { Frame, ScalarValue, StringValue, Value, VectorValue } from "./values.ts";

function arithmetic(op: BinaryOp): (l: number, r: number) => number {
  switch (op) {
    case "+": return (l, r) => l + r;
    case "-": return (l, r) => l - r;
    case "*": return (l, r) => l * r;
    case "/": return (l, r) => l / r;
    case "%": return mod;
    case "^": return pow;
    case "atan2": return Math.atan2;
    default: throw new Error(`not an arithmetic operator: ${op}`);
  }
}

function comparison(op: BinaryOp): (l: number, r: number) => boolean {
  switch (op) {
    case "==": return (l, r) => l === r;
    case "!=": return (l, r) => l !== r;
    case ">": return (l, r) => l > r;
    case "<": return (l, r) => l < r;
    case ">=": return (l, r) => l >= r;
    case "<=": return (l, r) => l <= r;
    default: throw new Error(`not a comparison operator: ${op}`);
  }
}

/** A comparison filters and keeps the left value; arithmetic computes a new one. */
function elementOp(op: BinaryOp): ElementOp {
  if (COMPARISON_OPS.includes(op)) return { value: (l) => l, keep: comparison(op) };
  return { value: arithmetic(op) };
}

/** Prometheus drops the metric name for these operators (atan2 keeps it, as in 2.x). */
const NAME_DROPPING = new Set<BinaryOp>(["+", "-", "*", "/", "%", "^"]);

export async function evalBinary(ev: Evaluation, e: BinaryExpr, frame: Frame): Promise<Value> {
  const lhs = await ev.eval(e.lhs, frame);
  const rhs = await ev.eval(e.rhs, frame);
  const count = frame.times.length;
  const isComparison = COMPARISON_OPS.includes(e.op);
  if (lhs.kind === "scalar" && rhs.kind === "scalar") {
    const values = new Float64Array(count);
    if (isComparison) {
      const cmp = comparison(e.op);
      for (let i = 0; i < count; i++) values[i] = cmp(lhs.values[i], rhs.values[i]) ? 1 : 0;
    } else {
      const f = arithmetic(e.op);
      for (let i = 0; i < count; i++) values[i] = f(lhs.values[i], rhs.values[i]);
    }
    return { kind: "scalar", values };
  }
  const dropsName = NAME_DROPPING.has(e.op) || e.returnBool;
  let result: StepSeries[];
  if (lhs.kind === "vector" && rhs.kind === "vector") {
    result = vectorVector(e, lhs, rhs, count, dropsName);
  } else {
    const swap = lhs.kind === "scalar";
    const vector = (swap ? rhs : lhs) as VectorValue;
    const scalar = (swap ? lhs : rhs) as ScalarValue;
    result = vectorScalar(e.op, vector, scalar, swap, e.returnBool, dropsName, count);
  }
  ev.done(lhs);
  ev.done(rhs);
  const out: VectorValue = { kind: "vector", series: mergeSteps(result) };
  ev.hold(pointsOfSeries(out.series));
  return out;
}

function vectorScalar(
  op: BinaryOp, vector: VectorValue, scalar: ScalarValue, swap: boolean, returnBool: boolean, dropsName: boolean, count: number,
): StepSeries[] {
  const f = elementOp(op);
  const out: StepSeries[] = [];
  for (const s of vector.series) {
    const r = emptyStepSeries(dropsName ? dropName(s.labels) : s.labels, count);
    let any = false;
    for (let i = 0; i < count; i++) {
      if (!s.present[i]) continue;
      const element = s.values[i];
      const l = swap ? scalar.values[i] : element;
      const rr = swap ? element : scalar.values[i];
      const keep = f.keep === undefined || f.keep(l, rr);
      let value: number;
      // A comparison keeps the vector's element, on whichever side it stands.
      if (returnBool) value = keep ? 1 : 0;
      else if (!keep) continue;
      else value = f.keep ? element : f.value(l, rr);
      r.values[i] = value;
      r.present[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
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
