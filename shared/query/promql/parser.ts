import type { SyntaxNode } from "@lezer/common";
import type { LabelMatcher, MatchOp } from "../../series/types.ts";
import { METRIC_NAME_LABEL } from "../../series/types.ts";
import { compileAnchoredRegex } from "../../series/matchers.ts";
import {
  type AggregateOp, type AtModifier, type BinaryExpr, type BinaryOp, COMPARISON_OPS, type Expr, SET_OPS,
  TYPE_NAMES, type ValueType, type VectorMatching, type VectorSelector,
} from "./ast.ts";
import { parseError, type PromQLError } from "./errors.ts";
import { FUNCTIONS } from "./functions.ts";
import { promqlGrammar } from "./grammar.ts";
import { isDurationToken, parseDuration, parseNumber, unquote } from "./literals.ts";
import { typeOf } from "./types.ts";

/**
 * Parses a PromQL query into the typed AST and checks it as Prometheus's parser does (types of
 * operands and arguments, where modifiers may stand). Throws a PromQLError of type `bad_data`
 * whose message starts with `line:column:` of the problem.
 */
export function parsePromQL(query: string): Expr {
  return new Converter(query).run();
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const BINARY_OPS: Record<string, BinaryOp> = {
  Add: "+", Sub: "-", Mul: "*", Div: "/", Mod: "%", Pow: "^", Atan2: "atan2",
  Eql: "==", Neq: "!=", Gtr: ">", Lss: "<", Gte: ">=", Lte: "<=",
  And: "and", Or: "or", Unless: "unless",
};

const MATCH_OPS: Record<string, MatchOp> = { EqlSingle: "=", Neq: "!=", EqlRegex: "=~", NeqRegex: "!~" };

/** Aggregations of Prometheus 2.x; the grammar also knows newer ones (limitk, limit_ratio). */
const AGGREGATIONS = new Set<string>([
  "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
]);

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

const isExprNode = (n: SyntaxNode) => n.type.is("Expr");

class Converter {
  constructor(private readonly query: string) {}

  private text(n: SyntaxNode): string {
    return this.query.slice(n.from, n.to);
  }

  private fail(at: number, message: string): PromQLError {
    return parseError(this.query, at, message);
  }

  run(): Expr {
    if (this.query.trim() === "") throw this.fail(0, "no expression found in input");
    const tree = promqlGrammar.parse(this.query);
    let error: { from: number; to: number } | undefined;
    tree.iterate({
      enter: (n) => {
        if (error) return false;
        if (n.type.isError) error = { from: n.from, to: n.to };
      },
    });
    if (error) {
      const token = this.query.slice(error.from, error.to).trim();
      if (token === "") throw this.fail(error.from, "unexpected end of input");
      throw this.fail(error.from, `unexpected ${JSON.stringify(token.split(/\s+/)[0])}`);
    }
    const top = tree.topNode.firstChild;
    if (!top) throw this.fail(0, "no expression found in input");
    return this.expr(top);
  }

  private expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case "NumberDurationLiteral":
        return { type: "NumberLiteral", value: this.number(n), start: n.from, end: n.to };
      case "StringLiteral":
        return { type: "StringLiteral", value: this.string(n), start: n.from, end: n.to };
      case "VectorSelector":
        return this.vectorSelector(n);
      case "MatrixSelector":
        return this.matrixSelector(n);
      case "SubqueryExpr":
        return this.subquery(n);
      case "OffsetExpr":
        return this.offset(n);
      case "StepInvariantExpr":
        return this.at(n);
      case "FunctionCall":
        return this.call(n);
      case "AggregateExpr":
        return this.aggregate(n);
      case "BinaryExpr":
        return this.binary(n);
      case "UnaryExpr":
        return this.unary(n);
      case "ParenExpr": {
        const inner = children(n).find(isExprNode);
        if (!inner) throw this.fail(n.from, "unexpected \")\"");
        return { type: "Paren", expr: this.expr(inner), start: n.from, end: n.to };
      }
      default:
        throw this.fail(n.from, `unexpected ${JSON.stringify(this.text(n).split(/\s+/)[0])}`);
    }
  }

  private number(n: SyntaxNode): number {
    let text = this.text(n).replace(/\s+/g, "");
    let sign = 1;
    if (text[0] === "-" || text[0] === "+") {
      if (text[0] === "-") sign = -1;
      text = text.slice(1);
    }
    if (isDurationToken(text)) throw this.fail(n.from, `unexpected duration ${JSON.stringify(text)}`);
    const value = parseNumber(text);
    if (value === undefined) throw this.fail(n.from, `bad number or duration syntax: ${JSON.stringify(text)}`);
    return sign * value;
  }

  private string(n: SyntaxNode): string {
    const result = unquote(this.text(n));
    if ("error" in result) throw this.fail(n.from, result.error);
    return result.value;
  }

  private duration(n: SyntaxNode): number {
    const parts = children(n);
    const literal = parts.length === 1 ? parts[0] : undefined;
    if (!literal || literal.name !== "NumberDurationLiteralInDurationContext") {
      throw this.fail(n.from, `bad duration syntax: ${JSON.stringify(this.text(n))}`);
    }
    const ms = parseDuration(this.text(literal));
    if (ms === undefined) throw this.fail(n.from, `bad duration syntax: ${JSON.stringify(this.text(literal))}`);
    return ms;
  }

  private vectorSelector(n: SyntaxNode): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let name: string | undefined;
    for (const c of children(n)) {
      if (c.name === "Identifier") {
        name = this.text(c);
        continue;
      }
      if (c.name !== "LabelMatchers") continue;
      for (const m of children(c)) {
        if (m.name === "QuotedLabelName") {
          const quoted = this.string(m.firstChild!);
          if (name !== undefined) throw this.fail(m.from, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(quoted)}`);
          name = quoted;
          continue;
        }
        const [label, op, value] = children(m);
        const labelName = m.name === "QuotedLabelMatcher" ? this.string(label.firstChild!) : this.text(label);
        const matcher: LabelMatcher = { name: labelName, op: MATCH_OPS[op.firstChild!.name], value: this.string(value) };
        if (matcher.op === "=~" || matcher.op === "!~") {
          try {
            compileAnchoredRegex(matcher.value);
          } catch (e) {
            throw this.fail(value.from, `error parsing regexp: ${(e as Error).message}`);
          }
        }
        if (labelName === METRIC_NAME_LABEL && name !== undefined && matcher.op === "=") {
          throw this.fail(m.from, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(matcher.value)}`);
        }
        matchers.push(matcher);
      }
    }
    if (name !== undefined) matchers.unshift({ name: METRIC_NAME_LABEL, op: "=", value: name });
    const matchesEmpty = (m: LabelMatcher) => {
      if (m.op === "=") return m.value === "";
      if (m.op === "!=") return m.value !== "";
      const re = compileAnchoredRegex(m.value);
      return m.op === "=~" ? re.test("") : !re.test("");
    };
    if (matchers.every(matchesEmpty)) throw this.fail(n.from, "vector selector must contain at least one non-empty matcher");
    return { type: "VectorSelector", matchers, offsetMs: 0, start: n.from, end: n.to };
  }

  private matrixSelector(n: SyntaxNode): Expr {
    const [inner, range] = children(n);
    const rangeMs = this.duration(range);
    return this.postfix(inner, (selector) => {
      if (selector.type !== "VectorSelector") throw this.fail(n.from, "ranges only allowed for vector selectors");
      if (selector.offsetMs !== 0) throw this.fail(n.from, "no offset modifiers allowed before range");
      if (selector.at) throw this.fail(n.from, "no @ modifiers allowed before range");
      return { type: "MatrixSelector", selector, rangeMs, start: selector.start, end: n.to };
    });
  }

  private subquery(n: SyntaxNode): Expr {
    const parts = children(n);
    const durations = parts.filter((p) => p.name === "DurationExpr");
    const rangeMs = this.duration(durations[0]);
    const stepMs = durations[1] ? this.duration(durations[1]) : undefined;
    if (stepMs === 0) throw this.fail(durations[1].from, "zero subquery step");
    return this.postfix(parts[0], (inner) => {
      const t = typeOf(inner);
      if (t !== "vector") throw this.fail(n.from, `subquery is only allowed on instant vector, got ${TYPE_NAMES[t]} instead`);
      return { type: "Subquery", expr: inner, rangeMs, stepMs, offsetMs: 0, start: inner.start, end: n.to };
    });
  }

  /** The selector or subquery a modifier applies to, or an error naming the modifier. */
  private modifierTarget(e: Expr, modifier: string, at: number) {
    const target = e.type === "MatrixSelector" ? e.selector : e;
    if (target.type !== "VectorSelector" && target.type !== "Subquery") {
      throw this.fail(at, `${modifier} modifier must be preceded by an instant vector selector or range vector selector or a subquery`);
    }
    return target;
  }

  private offset(n: SyntaxNode): Expr {
    const parts = children(n);
    let d = parts[parts.length - 1];
    let sign = 1;
    while (d.firstChild?.name === "UnaryOp") {
      if (this.text(d.firstChild) === "-") sign = -sign;
      d = d.lastChild!;
    }
    const ms = parseDuration(this.text(d));
    if (ms === undefined || d.name === "OffsetDurationExpr" && d.firstChild?.name !== "NumberDurationLiteralInDurationContext") {
      throw this.fail(d.from, `bad duration syntax: ${JSON.stringify(this.text(d))}`);
    }
    return this.postfix(parts[0], (e) => {
      const target = this.modifierTarget(e, "offset", n.from);
      if (target.offsetMs !== 0) throw this.fail(n.from, "offset may not be set multiple times");
      target.offsetMs = sign * ms;
      e.end = n.to;
      return e;
    });
  }

  private at(n: SyntaxNode): Expr {
    const parts = children(n);
    const last = parts[parts.length - 1];
    let at: AtModifier;
    if (last.name === "AtModifierPreprocessors") {
      at = { kind: last.firstChild!.name === "AtStart" ? "start" : "end" };
    } else {
      const seconds = this.number(last);
      if (!Number.isFinite(seconds)) throw this.fail(last.from, "timestamp out of bounds for @ modifier");
      at = { kind: "time", ms: Math.round(seconds * 1000) };
    }
    return this.postfix(parts[0], (e) => {
      const target = this.modifierTarget(e, "@", n.from);
      if (target.at) throw this.fail(n.from, "@ <timestamp> may not be set multiple times");
      target.at = at;
      e.end = n.to;
      return e;
    });
  }

  private call(n: SyntaxNode): Expr {
    const [ident, body] = children(n);
    const name = this.text(ident);
    const signature = FUNCTIONS[name];
    if (!signature) throw this.fail(n.from, `unknown function with name ${JSON.stringify(name)}`);
    const args = children(body).filter(isExprNode).map((a) => this.expr(a));
    const call: Expr = { type: "Call", func: name, args, start: n.from, end: n.to };
    const declared = signature.args.length;
    if (signature.variadic === 0) {
      if (declared !== args.length) {
        throw this.fail(n.from, `expected ${declared} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
      }
    } else {
      const required = declared - 1;
      if (required > args.length) {
        throw this.fail(n.from, `expected at least ${required} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
      }
      if (signature.variadic > 0 && required + signature.variadic < args.length) {
        throw this.fail(n.from, `expected at most ${required + signature.variadic} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
      }
    }
    args.forEach((arg, i) => {
      const want = signature.args[Math.min(i, declared - 1)];
      this.expectType(arg, want, `call to function ${JSON.stringify(name)}`);
    });
    return call;
  }

  private expectType(e: Expr, want: ValueType, context: string): void {
    const got = typeOf(e);
    if (got !== want) throw this.fail(e.start, `expected type ${TYPE_NAMES[want]} in ${context}, got ${TYPE_NAMES[got]}`);
  }

  private grouping(n: SyntaxNode): string[] {
    return children(n)
      .filter((c) => c.name === "LabelName" || c.name === "QuotedLabelName")
      .map((c) => (c.name === "LabelName" ? this.text(c) : this.string(c.firstChild!)));
  }

  private aggregate(n: SyntaxNode): Expr {
    const parts = children(n);
    const opNode = parts.find((p) => p.name === "AggregateOp")!;
    const op = this.text(opNode);
    if (!AGGREGATIONS.has(op)) throw this.fail(n.from, `unknown aggregation ${JSON.stringify(op)}`);
    const modifier = parts.find((p) => p.name === "AggregateModifier");
    const body = parts.find((p) => p.name === "FunctionCallBody")!;
    const args = children(body).filter(isExprNode).map((a) => this.expr(a));
    const withParam = op === "topk" || op === "bottomk" || op === "quantile" || op === "count_values";
    const expected = withParam ? 2 : 1;
    if (args.length !== expected) {
      throw this.fail(body.from, `wrong number of arguments for aggregate expression provided, expected ${expected}, got ${args.length}`);
    }
    const expr = args[args.length - 1];
    const param = withParam ? args[0] : undefined;
    this.expectType(expr, "vector", "aggregation expression");
    if (param) this.expectType(param, op === "count_values" ? "string" : "scalar", "aggregation parameter");
    let grouping: string[] = [];
    let without = false;
    if (modifier) {
      without = modifier.firstChild!.name === "Without";
      grouping = this.grouping(modifier.lastChild!);
    }
    return { type: "Aggregate", op: op as AggregateOp, param, expr, grouping, without, start: n.from, end: n.to };
  }

  private binary(n: SyntaxNode): Expr {
    const parts = children(n);
    const exprs = parts.filter(isExprNode);
    const opNode = parts.find((p) => p.name in BINARY_OPS);
    if (!opNode || exprs.length !== 2) throw this.fail(n.from, "unexpected binary expression");
    const op = BINARY_OPS[opNode.name];
    if (op === "^" && exprs[0].name === "NumberDurationLiteral" && /^[-+]/.test(this.text(exprs[0]))) {
      return this.signedPowerBase(n, exprs[0], exprs[1]);
    }
    const lhs = this.expr(exprs[0]);
    const rhs = this.expr(exprs[1]);
    const returnBool = parts.some((p) => p.name === "BoolModifier");
    if (parts.some((p) => p.name === "FillModifier")) throw this.fail(opNode.from, "unexpected fill modifier");
    const clause = parts.find((p) => p.name === "MatchingModifierClause");
    const isSet = SET_OPS.includes(op);
    const matching: VectorMatching = { card: isSet ? "many-to-many" : "one-to-one", on: false, labels: [], include: [] };
    if (clause) {
      const cs = children(clause);
      matching.on = cs[0].name === "On";
      matching.labels = this.grouping(cs[1]);
      const group = cs.find((c) => c.name === "GroupLeft" || c.name === "GroupRight");
      if (group) {
        matching.card = group.name === "GroupLeft" ? "many-to-one" : "one-to-many";
        const include = cs.slice(cs.indexOf(group) + 1).find((c) => c.name === "GroupingLabels");
        if (include) matching.include = this.grouping(include);
      }
    }
    const e: BinaryExpr = { type: "Binary", op, lhs, rhs, returnBool, matching, start: n.from, end: n.to };
    this.checkBinary(e, opNode.from, clause !== undefined);
    return e;
  }

  /** Prometheus's type rules for a binary expression; drops `matching` unless both sides are vectors. */
  private checkBinary(e: BinaryExpr, opAt: number, hasClause: boolean): void {
    const { op, lhs, rhs, returnBool } = e;
    const matching = e.matching ?? { card: "one-to-one", on: false, labels: [], include: [] };
    const isComparison = COMPARISON_OPS.includes(op);
    const isSet = SET_OPS.includes(op);
    if (returnBool && !isComparison) throw this.fail(opAt, "bool modifier can only be used on comparison operators");
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if (isComparison && !returnBool && lt === "scalar" && rt === "scalar") {
      throw this.fail(opAt, "comparisons between scalars must use BOOL modifier");
    }
    if (matching.on) {
      for (const l of matching.include) {
        if (matching.labels.includes(l)) throw this.fail(opAt, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
      }
    }
    if (lt !== "scalar" && lt !== "vector") throw this.fail(lhs.start, "binary expression must contain only scalar and instant vector types");
    if (rt !== "scalar" && rt !== "vector") throw this.fail(rhs.start, "binary expression must contain only scalar and instant vector types");
    const bothVectors = lt === "vector" && rt === "vector";
    if (!bothVectors && hasClause && matching.labels.length > 0) throw this.fail(e.start, "vector matching only allowed between instant vectors");
    if (bothVectors && isSet && matching.card !== "many-to-many") throw this.fail(e.start, `no grouping allowed for ${JSON.stringify(op)} operation`);
    if ((lt === "scalar" || rt === "scalar") && isSet) throw this.fail(e.start, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    e.matching = bothVectors ? matching : undefined;
  }

  /**
   * Postfix modifiers (`offset`, `@`, `[range]`, `[range:step]`) bind tighter than any operator
   * in PromQL, but the lezer grammar attaches them to the whole expression on their left
   * (`a + b offset 1m` as `(a + b) offset 1m`). This applies `modify` to the operand the
   * modifier really follows — the rightmost one — and re-checks the operators above it.
   */
  private postfix(inner: SyntaxNode, modify: (e: Expr) => Expr): Expr {
    const apply = (e: Expr): Expr => {
      if (e.type === "Binary") {
        const rebuilt: BinaryExpr = { ...e, rhs: apply(e.rhs), end: inner.to };
        this.checkBinary(rebuilt, e.start, e.matching !== undefined && e.matching.labels.length > 0);
        return rebuilt;
      }
      if (e.type === "Unary") {
        const operand = apply(e.expr);
        const t = typeOf(operand);
        if (t !== "scalar" && t !== "vector") {
          throw this.fail(e.start, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(TYPE_NAMES[t])}`);
        }
        return { ...e, expr: operand };
      }
      return modify(e);
    };
    return apply(this.expr(inner));
  }

  /**
   * `-2 ^ 2` is `-(2 ^ 2)` in PromQL (power binds tighter than unary minus); the grammar reads
   * the sign as part of the literal, so the sign is moved out here.
   */
  private signedPowerBase(n: SyntaxNode, base: SyntaxNode, exponent: SyntaxNode): Expr {
    const signed = this.number(base);
    const negative = this.text(base).trimStart().startsWith("-");
    const magnitude: Expr = { type: "NumberLiteral", value: negative ? -signed : signed, start: base.from + 1, end: base.to };
    const power: BinaryExpr = { type: "Binary", op: "^", lhs: magnitude, rhs: this.expr(exponent), returnBool: false, start: base.from + 1, end: n.to };
    this.checkBinary(power, base.from, false);
    return negative ? { type: "Unary", op: "-", expr: power, start: n.from, end: n.to } : power;
  }

  private unary(n: SyntaxNode): Expr {
    const [opNode, inner] = children(n);
    const expr = this.expr(inner);
    const t = typeOf(expr);
    if (t !== "scalar" && t !== "vector") {
      throw this.fail(n.from, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(TYPE_NAMES[t])}`);
    }
    const op = this.text(opNode) === "-" ? "-" : "+";
    if (expr.type === "NumberLiteral") {
      return { ...expr, value: op === "-" ? -expr.value : expr.value, start: n.from };
    }
    return { type: "Unary", op, expr, start: n.from, end: n.to };
  }
}

export { LABEL_NAME };
