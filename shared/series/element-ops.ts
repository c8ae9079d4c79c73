/**
 * Arithmetic and comparison between samples, the same in every metric language that runs on
 * this engine (PromQL, LogQL): what one operator does to a pair of values, to two scalars, and
 * to a vector against a scalar. Matching two vectors is binary.ts's.
 */
import type { ElementOp } from "./binary.ts";
import { emptyStepSeries, type StepSeries } from "./grid.ts";
import { mod, pow } from "./math.ts";
import type { Labels } from "./types.ts";

const COMPARISONS: ReadonlySet<string> = new Set(["==", "!=", ">", "<", ">=", "<="]);

export const isComparison = (op: string): boolean => COMPARISONS.has(op);

export function arithmetic(op: string): (l: number, r: number) => number {
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

export function comparison(op: string): (l: number, r: number) => boolean {
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
export function elementOp(op: string): ElementOp {
  if (isComparison(op)) return { value: (l) => l, keep: comparison(op) };
  return { value: arithmetic(op) };
}

/** Two scalars: a comparison gives 1 or 0 (scalars are never filtered). */
export function scalarScalar(op: string, lhs: Float64Array, rhs: Float64Array): Float64Array {
  const count = lhs.length;
  const values = new Float64Array(count);
  if (isComparison(op)) {
    const cmp = comparison(op);
    for (let i = 0; i < count; i++) values[i] = cmp(lhs[i]!, rhs[i]!) ? 1 : 0;
  } else {
    const f = arithmetic(op);
    for (let i = 0; i < count; i++) values[i] = f(lhs[i]!, rhs[i]!);
  }
  return values;
}

/**
 * A vector against a scalar at every step; `swap` when the scalar stands on the left.
 * `relabel` gives each result series its labels (a language may drop the metric name).
 */
export function vectorScalar(
  op: string,
  vector: readonly StepSeries[],
  scalar: Float64Array,
  options: { swap: boolean; returnBool: boolean; count: number; relabel?: (labels: Labels) => Labels },
): StepSeries[] {
  const { swap, returnBool, count, relabel } = options;
  const f = elementOp(op);
  const out: StepSeries[] = [];
  for (const s of vector) {
    const r = emptyStepSeries(relabel ? relabel(s.labels) : s.labels, count);
    let any = false;
    for (let i = 0; i < count; i++) {
      if (!s.present[i]) continue;
      const element = s.values[i]!;
      const l = swap ? scalar[i]! : element;
      const rr = swap ? element : scalar[i]!;
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
