/**
 * Constant folding of scalars at parse time, as Tempo's `foldConstArith`: `1 / 2` between
 * integers truncates, a float makes the result float, and a duration never takes part in
 * scalar arithmetic (only `-1s` negates one).
 */
import type { ArithmeticOp, Literal, ScalarExpr } from "./ast.ts";
import type { TokenStream } from "./token-stream.ts";

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export function foldScalar(ts: TokenStream, e: ScalarExpr): ScalarExpr {
  if (e.type !== "scalar_op") return e;
  const left = foldScalar(ts, e.left);
  const right = foldScalar(ts, e.right);
  const negation = e.op === "-" && left.type === "int" && left.value === 0n && left.pos === e.pos;
  if (negation && (right.type === "int" || right.type === "duration")) return { ...right, value: -right.value, pos: e.pos };
  if (negation && right.type === "float") return { ...right, value: -right.value, pos: e.pos };
  if (!isNumber(left) || !isNumber(right)) return { ...e, left, right };
  if (left.type === "duration" || right.type === "duration") ts.fail("a number: a duration cannot be used in scalar arithmetic", e.pos);
  return arithmetic(ts, e.op, left, right, e.pos);
}

function isNumber(e: ScalarExpr): e is Extract<Literal, { type: "int" | "float" | "duration" }> {
  return e.type === "int" || e.type === "float" || e.type === "duration";
}

function arithmetic(ts: TokenStream, op: ArithmeticOp, l: Literal, r: Literal, pos: number): Literal {
  if (l.type === "int" && r.type === "int") {
    if ((op === "/" || op === "%") && r.value === 0n) ts.fail("a non-zero divisor", pos);
    const v =
      op === "+" ? l.value + r.value
      : op === "-" ? l.value - r.value
      : op === "*" ? l.value * r.value
      : op === "/" ? l.value / r.value
      : op === "%" ? l.value % r.value
      : BigInt(Math.trunc(Number(l.value) ** Number(r.value)));
    if (v < INT64_MIN || v > INT64_MAX) ts.fail("a result that fits 64 bits", pos);
    return { type: "int", value: v, pos };
  }
  const a = Number((l as { value: bigint | number }).value);
  const b = Number((r as { value: bigint | number }).value);
  const v = op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : op === "/" ? a / b : op === "%" ? a % b : a ** b;
  return { type: "float", value: v, pos };
}

/** A number in metrics arithmetic (`(A) * 100`): a duration is refused, as in Tempo. */
export function metricsScalar(ts: TokenStream, lit: Literal): number {
  if (lit.type === "duration") ts.fail("a number: a duration cannot be a scalar in metrics arithmetic", lit.pos);
  if (lit.type !== "int" && lit.type !== "float") ts.fail("a number", lit.pos);
  return Number(lit.value);
}

/** The value of a metrics filter (`> 10`, `> 10s`): durations count in seconds, as in Tempo. */
export function metricsFilterValue(ts: TokenStream, lit: Literal): number {
  if (lit.type === "duration") return Number(lit.value) / 1e9;
  return metricsScalar(ts, lit);
}
