/**
 * Field expressions (what goes inside `{ }`, `by()`, aggregates), with Tempo's precedences
 * (expr.y): `&&` and `||` lowest and equal (left to right, as Tempo: `a || b && c` is
 * `(a || b) && c`), then comparisons, `+ -`, prefix `!` and `-`, `* / %`, `^` (right).
 * `x = nil` / `x != nil` become the unary `not_exists` / `exists`.
 */
import {
  KIND_KEYWORDS,
  STATUS_KEYWORDS,
  UNSCOPED_INTRINSICS,
  type BinaryOp,
  type FieldExpr,
  type FieldRef,
  type KindKeyword,
  type Literal,
  type StatusKeyword,
} from "./ast.ts";
import { TokenStream } from "./token-stream.ts";

const COMPARISON = new Set(["=", "!=", ">", ">=", "<", "<=", "=~", "!~"]);
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export function fieldExpression(ts: TokenStream): FieldExpr {
  let left = comparison(ts);
  while (ts.isPunct("&&") || ts.isPunct("||")) {
    const op = ts.next();
    left = { type: "binary", op: op.text as BinaryOp, left, right: comparison(ts), pos: left.pos };
  }
  return left;
}

function comparison(ts: TokenStream): FieldExpr {
  let left = additive(ts);
  while (ts.current.kind === "punct" && COMPARISON.has(ts.current.text)) {
    const op = ts.next();
    const right = additive(ts);
    left = compare(ts, op.text as BinaryOp, left, right, op.pos);
  }
  checkNoNil(ts, left);
  return left;
}

/** nil only stands beside `=` / `!=`. */
function compare(ts: TokenStream, op: BinaryOp, left: FieldExpr, right: FieldExpr, pos: number): FieldExpr {
  const lnil = left.type === "nil";
  const rnil = right.type === "nil";
  if (!lnil && !rnil) return { type: "binary", op, left, right, pos: left.pos };
  if (op !== "=" && op !== "!=") ts.fail("= or != beside nil", pos);
  if (lnil && rnil) return { type: "bool", value: false, pos: left.pos };
  const operand = lnil ? right : left;
  return { type: "unary", op: op === "=" ? "not_exists" : "exists", operand, pos: left.pos };
}

function checkNoNil(ts: TokenStream, e: FieldExpr): void {
  if (e.type === "nil") ts.fail("a comparison with = or != after nil", e.pos);
}

function additive(ts: TokenStream): FieldExpr {
  let left = prefixed(ts);
  while (ts.isPunct("+") || ts.isPunct("-")) {
    const op = ts.next();
    left = { type: "binary", op: op.text as BinaryOp, left: noNil(ts, left), right: noNil(ts, prefixed(ts)), pos: left.pos };
  }
  return left;
}

/** Prefix `-` and `!` bind looser than `*` (Tempo's NOT / SUB precedence): `-a * b` is `-(a * b)`. */
function prefixed(ts: TokenStream): FieldExpr {
  if (ts.isPunct("-") || ts.isPunct("!")) {
    const op = ts.next();
    const operand = noNil(ts, prefixed(ts));
    // A negative number literal stays a literal (`-1`, `-0.5`, `-1s`).
    if (op.text === "-" && (operand.type === "int" || operand.type === "duration") && operand.pos === op.pos + 1) {
      const value = -operand.value;
      if (value >= INT64_MIN && value <= INT64_MAX) return { ...operand, value, pos: op.pos };
    }
    if (op.text === "-" && operand.type === "float" && operand.pos === op.pos + 1) return { ...operand, value: -operand.value, pos: op.pos };
    return { type: "unary", op: op.text as "-" | "!", operand, pos: op.pos };
  }
  return multiplicative(ts);
}

function multiplicative(ts: TokenStream): FieldExpr {
  let left = power(ts);
  while (ts.isPunct("*") || ts.isPunct("/") || ts.isPunct("%")) {
    const op = ts.next();
    left = { type: "binary", op: op.text as BinaryOp, left: noNil(ts, left), right: noNil(ts, power(ts)), pos: left.pos };
  }
  return left;
}

function power(ts: TokenStream): FieldExpr {
  const base = primary(ts);
  if (!ts.isPunct("^")) return base;
  ts.next();
  const exponent = ts.isPunct("-") || ts.isPunct("!") ? prefixed(ts) : power(ts);
  return { type: "binary", op: "^", left: noNil(ts, base), right: noNil(ts, exponent), pos: base.pos };
}

function noNil(ts: TokenStream, e: FieldExpr): FieldExpr {
  checkNoNil(ts, e);
  return e;
}

function primary(ts: TokenStream): FieldExpr {
  const t = ts.current;
  if (ts.isPunct("(")) {
    ts.next();
    const inner = fieldExpression(ts);
    ts.expectPunct(")", '")" or an operator');
    return inner;
  }
  if (ts.isPunct("-") || ts.isPunct("!")) return prefixed(ts);
  if (t.kind === "attribute" || t.kind === "intrinsic") return fieldRef(ts);
  if (t.kind === "ident") {
    if (t.str in UNSCOPED_INTRINSICS) return fieldRef(ts);
    if (t.str === "nil") {
      ts.next();
      return { type: "nil", pos: t.pos };
    }
  }
  return literal(ts);
}

/** An attribute or intrinsic (select, by of metrics, metrics functions). */
export function fieldRef(ts: TokenStream): FieldRef {
  const t = ts.current;
  if (t.kind === "attribute") {
    ts.next();
    return { type: "attribute", scope: t.scope, name: t.str, parent: t.parentAttr, pos: t.pos };
  }
  if (t.kind === "intrinsic") {
    ts.next();
    return { type: "intrinsic", name: t.intrinsic!, text: t.text, pos: t.pos };
  }
  if (t.kind === "ident" && t.str in UNSCOPED_INTRINSICS) {
    ts.next();
    return { type: "intrinsic", name: UNSCOPED_INTRINSICS[t.str]!, text: t.str, pos: t.pos };
  }
  ts.fail("an attribute (.name, span.name, resource.name, ...) or an intrinsic (name, duration, span:id, ...)");
}

/** A static value: string, number, duration, true/false, a status or kind keyword, minInt/maxInt. */
export function literal(ts: TokenStream): Literal {
  const t = ts.current;
  switch (t.kind) {
    case "string":
      ts.next();
      return { type: "string", value: t.str, pos: t.pos };
    case "int":
      ts.next();
      return { type: "int", value: t.big, pos: t.pos };
    case "float":
      ts.next();
      return { type: "float", value: t.num, pos: t.pos };
    case "duration":
      ts.next();
      return { type: "duration", value: t.big, pos: t.pos };
    case "ident": {
      const w = t.str;
      if (w === "true" || w === "false") return ts.next(), { type: "bool", value: w === "true", pos: t.pos };
      if (STATUS_KEYWORDS.includes(w as StatusKeyword)) return ts.next(), { type: "status", value: w as StatusKeyword, pos: t.pos };
      if (KIND_KEYWORDS.includes(w as KindKeyword)) return ts.next(), { type: "kind", value: w as KindKeyword, pos: t.pos };
      if (w === "minInt" || w === "maxInt") return ts.next(), { type: "int", value: w === "minInt" ? INT64_MIN : INT64_MAX, pos: t.pos };
      ts.fail(`a value or field (unknown identifier "${w}"; attributes start with ".", "span.", "resource.", ...)`);
    }
    default:
      ts.fail("a value or field (string, number, duration, true/false, status, kind, attribute or intrinsic)");
  }
}
