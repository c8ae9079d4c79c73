/**
 * Recursive-descent parser for the TraceQL subset (grammar in README.md). `&&` binds tighter
 * than `||`, both inside a spanset filter and between spansets. Type rules are checked here so
 * errors point at the offending token.
 */
import {
  INTRINSICS,
  KIND_KEYWORDS,
  STATUS_KEYWORDS,
  type ComparisonOp,
  type Condition,
  type FieldRef,
  type IntrinsicName,
  type KindKeyword,
  type Literal,
  type SpansetExpr,
  type StatusKeyword,
} from "./ast.ts";
import { durationNs, TRACEQL_DURATION } from "../../duration/index.ts";
import { TraceQLError } from "./errors.ts";
import { tokenize, type Token, type TokenKind } from "./lexer.ts";

const COMPARISON_OPS: readonly ComparisonOp[] = ["=", "!=", ">", ">=", "<", "<=", "=~", "!~"];

export function parseTraceQL(query: string): SpansetExpr {
  const parser = new Parser(tokenize(query));
  const expr = parser.spansetOr();
  parser.expect("eof", "&&, || or end of query");
  return expr;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const t = this.current;
    if (t.kind !== "eof") this.index++;
    return t;
  }

  private fail(expected: string, token: Token = this.current): never {
    const found = token.kind === "eof" ? "end of query" : `"${token.text}"`;
    throw new TraceQLError(`unexpected ${found}`, token.pos, expected);
  }

  expect(kind: TokenKind, expected: string): Token {
    if (this.current.kind !== kind) this.fail(expected);
    return this.next();
  }

  spansetOr(): SpansetExpr {
    let left = this.spansetAnd();
    while (this.current.kind === "||") {
      this.next();
      left = { type: "spanset_op", op: "||", left, right: this.spansetAnd() };
    }
    return left;
  }

  private spansetAnd(): SpansetExpr {
    let left = this.spansetPrimary();
    while (this.current.kind === "&&") {
      this.next();
      left = { type: "spanset_op", op: "&&", left, right: this.spansetPrimary() };
    }
    return left;
  }

  private spansetPrimary(): SpansetExpr {
    const t = this.current;
    if (t.kind === "(") {
      this.next();
      const inner = this.spansetOr();
      this.expect(")", '")"');
      return inner;
    }
    if (t.kind !== "{") this.fail('a spanset filter "{ ... }"');
    this.next();
    if (this.current.kind === "}") {
      this.next();
      return { type: "filter", condition: null, pos: t.pos };
    }
    const condition = this.conditionOr();
    this.expect("}", '"}", "&&" or "||"');
    return { type: "filter", condition, pos: t.pos };
  }

  private conditionOr(): Condition {
    let left = this.conditionAnd();
    while (this.current.kind === "||") {
      this.next();
      left = { type: "logical", op: "||", left, right: this.conditionAnd() };
    }
    return left;
  }

  private conditionAnd(): Condition {
    let left = this.conditionPrimary();
    while (this.current.kind === "&&") {
      this.next();
      left = { type: "logical", op: "&&", left, right: this.conditionPrimary() };
    }
    return left;
  }

  private conditionPrimary(): Condition {
    if (this.current.kind === "(") {
      this.next();
      const inner = this.conditionOr();
      this.expect(")", '")", "&&" or "||"');
      return inner;
    }
    const field = this.field();
    const opToken = this.current;
    if (!COMPARISON_OPS.includes(opToken.kind as ComparisonOp)) {
      this.fail("a comparison operator (=, !=, >, >=, <, <=, =~, !~)");
    }
    this.next();
    const op = opToken.kind as ComparisonOp;
    const value = this.literal();
    checkTypes(field, op, value, opToken);
    return { type: "compare", field, op, value, pos: field.pos };
  }

  private field(): FieldRef {
    const t = this.current;
    const expected = "an attribute (.name, span.name, resource.name) or intrinsic (" + INTRINSICS.join(", ") + ")";
    if (t.kind !== "word") this.fail(expected);
    this.next();
    const path = t.value;
    for (const [prefix, scope] of [[".", "unscoped"], ["span.", "span"], ["resource.", "resource"]] as const) {
      if (path.startsWith(prefix)) {
        const name = path.slice(prefix.length);
        if (name === "") this.fail("an attribute name after " + JSON.stringify(prefix), t);
        return { type: "attribute", scope, name, pos: t.pos };
      }
    }
    if (!t.quoted && INTRINSICS.includes(path as IntrinsicName)) {
      return { type: "intrinsic", name: path as IntrinsicName, pos: t.pos };
    }
    this.fail(expected, t);
  }

  private literal(): Literal {
    const t = this.next();
    if (t.kind === "string") return { type: "string", value: t.value, pos: t.pos };
    if (t.kind === "number") {
      const duration = durationNs(t.text, TRACEQL_DURATION);
      if (duration !== undefined) return { type: "duration", value: duration, pos: t.pos };
      if (/[a-zµ]/.test(t.text)) this.fail("a duration like 100ms, 1.5s, 2m", t);
      if (t.text.includes(".")) return { type: "float", value: Number(t.text), pos: t.pos };
      return { type: "int", value: BigInt(t.text), pos: t.pos };
    }
    if (t.kind === "word" && !t.quoted) {
      if (t.value === "true" || t.value === "false") return { type: "bool", value: t.value === "true", pos: t.pos };
      if (STATUS_KEYWORDS.includes(t.value as StatusKeyword)) return { type: "status", value: t.value as StatusKeyword, pos: t.pos };
      if (KIND_KEYWORDS.includes(t.value as KindKeyword)) return { type: "kind", value: t.value as KindKeyword, pos: t.pos };
    }
    this.fail("a value (string, number, duration, true/false, status or kind keyword)", t);
  }
}

/** Which literal types each field accepts, and which operators make sense for them. */
function checkTypes(field: FieldRef, op: ComparisonOp, value: Literal, opToken: Token): void {
  const isRegex = op === "=~" || op === "!~";
  const isEquality = op === "=" || op === "!=";
  const bad = (expected: string, at = value.pos): never => {
    throw new TraceQLError(`${describe(value)} cannot be compared with ${fieldName(field)} using ${op}`, at, expected);
  };
  if (isRegex && value.type !== "string") bad("a string (regular expression) after " + op);
  if (field.type === "attribute") {
    if (value.type === "status" || value.type === "kind") bad("a string, number, duration or true/false");
    if (value.type === "bool" && !isEquality) bad("= or != for a boolean", opToken.pos);
    return;
  }
  switch (field.name) {
    case "status":
      if (value.type !== "status") bad("one of " + STATUS_KEYWORDS.join(", "));
      if (!isEquality) bad("= or != for status", opToken.pos);
      return;
    case "kind":
      if (value.type !== "kind") bad("one of " + KIND_KEYWORDS.join(", "));
      if (!isEquality) bad("= or != for kind", opToken.pos);
      return;
    case "duration":
      if (value.type !== "duration") bad("a duration like 100ms, 1.5s, 2m");
      return;
    default:
      if (value.type !== "string") bad("a string");
  }
}

function fieldName(field: FieldRef): string {
  if (field.type === "intrinsic") return field.name;
  return (field.scope === "unscoped" ? "." : field.scope + ".") + field.name;
}

function describe(value: Literal): string {
  return value.type === "status" || value.type === "kind" ? `${value.type} keyword ${value.value}` : `a ${value.type}`;
}
