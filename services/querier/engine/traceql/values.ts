/**
 * TraceQL values at run time, and Tempo's rules between them: numbers (int, float, duration)
 * compare with each other, other types only with their own, a missing value (null) matches
 * nothing — not even `!=`. An array attribute matches `=`, `=~`, `<`... when any element does,
 * and `!=` / `!~` when every element does (Tempo's array semantics). `multi` is several
 * candidate values of one field (every event's, every link's, span-or-resource for `.x`):
 * the comparison holds when it holds for one of them.
 */
import { traceqlRegex, type BinaryOp, type KindKeyword, type Literal, type StatusKeyword } from "../../../../shared/query/traceql/index.ts";

export type Value =
  | { t: "string"; v: string }
  | { t: "int"; v: bigint }
  | { t: "float"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "duration"; v: bigint }
  | { t: "status"; v: StatusKeyword }
  | { t: "kind"; v: KindKeyword }
  | { t: "array"; v: Value[] }
  | { t: "multi"; v: Value[] };

export const TRUE: Value = { t: "bool", v: true };
export const FALSE: Value = { t: "bool", v: false };

export function literalValue(l: Literal): Value | null {
  switch (l.type) {
    case "nil":
      return null;
    case "string":
      return { t: "string", v: l.value };
    case "int":
      return { t: "int", v: l.value };
    case "float":
      return { t: "float", v: l.value };
    case "bool":
      return { t: "bool", v: l.value };
    case "duration":
      return { t: "duration", v: l.value };
    case "status":
      return { t: "status", v: l.value };
    case "kind":
      return { t: "kind", v: l.value };
  }
}

/** OTLP JSON AnyValue → Value (kvlist and bytes values are not comparable: null). */
export function anyValue(av: unknown): Value | null {
  if (av === null || typeof av !== "object") return null;
  const o = av as Record<string, unknown>;
  if (typeof o.stringValue === "string") return { t: "string", v: o.stringValue };
  if (o.intValue !== undefined) {
    try {
      return { t: "int", v: BigInt(o.intValue as string) };
    } catch {
      return null;
    }
  }
  if (o.doubleValue !== undefined) return { t: "float", v: Number(o.doubleValue) };
  if (typeof o.boolValue === "boolean") return { t: "bool", v: o.boolValue };
  if (o.arrayValue !== undefined) {
    const values = ((o.arrayValue as { values?: unknown[] }).values ?? []).map(anyValue).filter((v): v is Value => v !== null);
    return { t: "array", v: values };
  }
  return null;
}

/** Value → OTLP JSON AnyValue (for span attributes in results). */
export function toAnyValue(v: Value): unknown {
  switch (v.t) {
    case "string":
      return { stringValue: v.v };
    case "int":
      return { intValue: v.v.toString() };
    case "float":
      return { doubleValue: v.v };
    case "bool":
      return { boolValue: v.v };
    case "duration":
      return { intValue: v.v.toString() };
    case "status":
    case "kind":
      return { stringValue: v.v };
    case "array":
    case "multi":
      return { arrayValue: { values: v.v.map(toAnyValue) } };
  }
}

/** A stable text per value, for grouping (`by()`). */
export function valueKey(v: Value | null): string {
  if (v === null) return "nil";
  if (v.t === "array" || v.t === "multi") return `${v.t}[${v.v.map(valueKey).join(",")}]`;
  return `${v.t}:${String(v.v)}`;
}

const isNumeric = (v: Value): v is Extract<Value, { t: "int" | "float" | "duration" }> => v.t === "int" || v.t === "float" || v.t === "duration";
const NEGATIVE = new Set<BinaryOp>(["!=", "!~"]);

/** `a op b` for a comparison operator. */
export function compare(op: BinaryOp, a: Value | null, b: Value | null): boolean {
  if (a === null || b === null) return false;
  if (a.t === "multi") return a.v.some((x) => compare(op, x, b));
  if (b.t === "multi") return b.v.some((x) => compare(op, a, x));
  if (a.t === "array") return a.v.length > 0 && (NEGATIVE.has(op) ? a.v.every((x) => compare(op, x, b)) : a.v.some((x) => compare(op, x, b)));
  if (b.t === "array") return b.v.length > 0 && (NEGATIVE.has(op) ? b.v.every((x) => compare(op, a, x)) : b.v.some((x) => compare(op, a, x)));
  if (op === "=~" || op === "!~") {
    if (a.t !== "string" || b.t !== "string") return false;
    const m = traceqlRegex(b.v).test(a.v);
    return op === "=~" ? m : !m;
  }
  let c: number;
  if (isNumeric(a) && isNumeric(b)) {
    if (a.t !== "float" && b.t !== "float") c = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    else {
      const x = Number(a.v);
      const y = Number(b.v);
      if (Number.isNaN(x) || Number.isNaN(y)) return op === "!=";
      c = x < y ? -1 : x > y ? 1 : 0;
    }
  } else if (a.t !== b.t) {
    return false;
  } else if (a.t === "string") {
    const y = b.v as string;
    c = a.v < y ? -1 : a.v > y ? 1 : 0;
  } else {
    // bool, status, kind: only equality.
    if (op !== "=" && op !== "!=") return false;
    c = a.v === b.v ? 0 : 1;
  }
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    default:
      return false;
  }
}

/** `a op b` for + - * / % ^ between numbers (a duration makes a duration, a float a float). */
export function arithmetic(op: BinaryOp, a: Value | null, b: Value | null): Value | null {
  if (a === null || b === null || !isNumeric(a) || !isNumeric(b)) return null;
  if (a.t !== "float" && b.t !== "float" && op !== "^") {
    const x = a.v;
    const y = b.v;
    if ((op === "/" || op === "%") && y === 0n) return null;
    const v = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : op === "/" ? x / y : x % y;
    return { t: a.t === "duration" || b.t === "duration" ? "duration" : "int", v };
  }
  const x = Number(a.v);
  const y = Number(b.v);
  const v = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : op === "/" ? x / y : op === "%" ? x % y : x ** y;
  return { t: "float", v };
}

export function numberOf(v: Value | null): number | null {
  return v !== null && isNumeric(v) ? Number(v.v) : null;
}
