/**
 * LogQL parser on `@grafana/lezer-logql`, the grammar Grafana's query editor uses, so what
 * the editor accepts is what runs. The lezer tree is converted to the AST (ast.ts) with the
 * checks Loki's own parser makes. Two corrections to the grammar:
 * - its binary-operator precedences differ from Loki's (it binds `+` tighter than `*`), so
 *   operator chains are flattened and rebuilt with Loki's precedence (`or` < `and unless` <
 *   comparisons < `+ -` < `* / %` < `^`, all left-associative but `^`);
 * - it refuses the empty selector `{}`, which Loki's HTTP layer refuses with its own words
 *   (selector-rule.ts): `{}` parses here to a selector without matchers;
 * - it has no `offset` after an unwrap's range (`| unwrap x [5m] offset 1h`), which Loki
 *   takes: such an offset is blanked out before parsing and given back to its range.
 * Every error is a LogQLError (400) naming the position.
 */
import type { SyntaxNode } from "@lezer/common";
import { parser } from "@grafana/lezer-logql";
import type {
  BinaryModifier, BinaryOp, Grouping, LogQLExpr, LogQuery, LogRange, MetricExpr, RangeOp, Unwrap, UnwrapConversion, VectorOp,
} from "./ast.ts";
import { COMPARISON_OPS, SET_OPS } from "./ast.ts";
import { EMPTY_SELECTOR_PLACEHOLDER, labelFilter, literalValue, logQuery, numberValue } from "./parse-log.ts";
import { children, type Insertion, TreeReader } from "./syntax-tree.ts";
import { compileRE2, RegexError } from "./re2.ts";
import { rangeDurationNs } from "./units.ts";

export function parseLogQL(query: string): LogQLExpr {
  if (query.trim() === "") throw new TreeReader(query).fail(0, "empty query", "a stream selector or a metric expression");
  const { text, insertions, tree, offsets } = parseTree(query);
  const r: TreeReader = new TreeReader(text, insertions, offsets);
  // Lezer recovers from some errors without an error node (it may drop a token): the query
  // is whole only when one expression spans it.
  const parts = children(tree.topNode);
  const top = parts.find((p) => p.name === "Expr");
  if (!top) r.fail(0, "no expression found", "a stream selector or a metric expression");
  const stray = parts.find((p) => p !== top && p.name !== "LineComment");
  if (stray) r.fail(stray, `syntax error: unexpected ${JSON.stringify(text.slice(stray.from, stray.to).slice(0, 20))}`, "a complete expression");
  if (text.slice(top.to).trim() !== "" && !/^\s*#/.test(text.slice(top.to))) r.fail(top.to, "syntax error: unexpected text after the expression", "end of query");
  return expr(r, top);
}

const PLACEHOLDER = `${EMPTY_SELECTOR_PLACEHOLDER}=""`;


/** Parses, filling each empty selector `{}` the grammar stops at, and reports the first real error. */
function parseTree(query: string) {
  let text = query;
  const insertions: Insertion[] = [];
  const offsets = new Map<number, string>();
  for (;;) {
    const tree = parser.parse(text);
    let error: { from: number; to: number } | undefined;
    tree.iterate({
      enter: (n) => {
        if (error) return false;
        if (n.type.isError) error = { from: n.from, to: n.to };
      },
    });
    if (!error) return { text, insertions, tree, offsets };
    const offset = /^offset\s+-?[0-9][0-9a-zµ.]*/.exec(text.slice(error.from));
    const rangeEnd = text.slice(0, error.from).trimEnd();
    if (offset && rangeEnd.endsWith("]") && !offsets.has(rangeEnd.length)) {
      offsets.set(rangeEnd.length, offset[0].slice(6).trim());
      text = text.slice(0, error.from) + " ".repeat(offset[0].length) + text.slice(error.from + offset[0].length);
      continue;
    }
    const before = text.slice(0, error.from).trimEnd();
    const at = text.indexOf("}", error.from);
    if (before.endsWith("{") && at >= 0 && text.slice(error.from, at).trim() === "" && insertions.length < 16) {
      const pos = before.length;
      text = text.slice(0, pos) + PLACEHOLDER + text.slice(pos);
      insertions.push({ at: pos, length: PLACEHOLDER.length });
      continue;
    }
    const r = new TreeReader(text, insertions);
    const found = text.slice(error.from).trim();
    const token = found === "" ? "end of query" : JSON.stringify(found.split(/\s+/)[0]!.slice(0, 20));
    r.fail(error.from, `syntax error: unexpected ${token}`, expectedAt(tree.resolveInner(error.from, 1), text, error.from));
  }
}

/** A hint of what could stand where the parse failed, from the node around it. */
function expectedAt(node: SyntaxNode, text: string, at: number): string {
  if (text.slice(0, at).trim() === "") return 'a stream selector {label="value"} or a metric expression';
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    switch (n.name) {
      case "Selector":
      case "Matchers":
      case "Matcher":
        return 'a label matcher such as label="value", "," or "}"';
      case "LineFilter":
      case "LineFilters":
        return 'a quoted string after the line filter, such as |= "text"';
      case "Range":
        return "a duration such as [5m]";
      case "Grouping":
      case "Labels":
        return "label names in parentheses, such as by (level)";
      case "PipelineStage":
      case "PipelineExpr":
      case "LabelFilter":
        return "a pipeline stage (a line filter, json, logfmt, a label filter, line_format …)";
      case "RangeAggregationExpr":
      case "LogRangeExpr":
        return "a log range such as {label=\"value\"}[5m]";
      case "VectorAggregationExpr":
      case "BinOpExpr":
      case "MetricExpr":
        return "a metric expression";
    }
  }
  return "a LogQL expression";
}


function expr(r: TreeReader, n: SyntaxNode): LogQLExpr {
  if (n.name === "Expr") return expr(r, n.firstChild!);
  if (n.name === "LogExpr") return logExpr(r, n);
  return metric(r, n);
}

function logExpr(r: TreeReader, n: SyntaxNode): LogQuery {
  // `( LogExpr )`: parentheses are not in the tree.
  const inner = n.getChild("LogExpr");
  if (inner) return logExpr(r, inner);
  return logQuery(r, r.child(n, "Selector"), n.getChild("PipelineExpr"));
}

function asMetric(r: TreeReader, n: SyntaxNode, context: string): MetricExpr {
  const e = expr(r, n);
  if (e.kind === "log") r.fail(n, `a log query cannot be used ${context}; wrap it in a range aggregation such as count_over_time(…[5m])`);
  return e;
}

function metric(r: TreeReader, n: SyntaxNode): MetricExpr {
  if (n.name === "Expr" || n.name === "LogExpr") return asMetric(r, n, "here");
  if (n.name !== "MetricExpr") r.fail(n, `syntax error: unexpected ${JSON.stringify(r.text(n).slice(0, 20))}`, "a metric expression");
  const body = n.firstChild!;
  switch (body.name) {
    case "MetricExpr":
      // `( MetricExpr )`: parentheses are not in the tree.
      return metric(r, body);
    case "RangeAggregationExpr":
      return rangeAggregation(r, body);
    case "VectorAggregationExpr":
      return vectorAggregation(r, body);
    case "BinOpExpr":
      return binary(r, body);
    case "LiteralExpr":
      return { kind: "literal", value: literalValue(r, body), pos: r.pos(body) };
    case "VectorExpr":
      return { kind: "vector", value: numberValue(r, r.child(body, "Number")), pos: r.pos(body) };
    case "LabelReplaceExpr": {
      const strs = body.getChildren("String").map((s) => r.string(s));
      const regexNode = body.getChildren("String")[3]!;
      try {
        compileRE2(strs[3]!, true);
      } catch (err) {
        if (err instanceof RegexError) r.fail(regexNode, `invalid regex in label_replace: ${err.message}`);
        throw err;
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(strs[0]!)) r.fail(body, `invalid destination label name in label_replace: ${strs[0]}`);
      return {
        kind: "label_replace", expr: metric(r, r.child(body, "MetricExpr")),
        dst: strs[0]!, replacement: strs[1]!, src: strs[2]!, regex: strs[3]!, pos: r.pos(body),
      };
    }
  }
  return r.fail(body, `unexpected ${body.name}`, "a metric expression");
}

const RANGE_OPS = new Set<RangeOp>([
  "count_over_time", "rate", "rate_counter", "bytes_over_time", "bytes_rate", "absent_over_time", "avg_over_time",
  "sum_over_time", "min_over_time", "max_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time",
  "first_over_time", "last_over_time",
]);
/** Loki's rules (syntax/ast.go): which range aggregations need unwrap, take it, or take `by`. */
const WITHOUT_UNWRAP = new Set<RangeOp>(["bytes_over_time", "bytes_rate", "count_over_time", "rate", "absent_over_time"]);
const WITH_UNWRAP = new Set<RangeOp>([
  "avg_over_time", "sum_over_time", "max_over_time", "min_over_time", "stddev_over_time", "stdvar_over_time",
  "quantile_over_time", "rate", "rate_counter", "absent_over_time", "first_over_time", "last_over_time",
]);
const GROUPABLE = new Set<RangeOp>([
  "avg_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time", "max_over_time", "min_over_time",
  "first_over_time", "last_over_time",
]);

function rangeAggregation(r: TreeReader, n: SyntaxNode): MetricExpr {
  const op = r.text(r.child(n, "RangeOp")) as RangeOp;
  if (!RANGE_OPS.has(op)) r.fail(n, `unknown range aggregation ${op}`);
  const paramNode = n.getChild("Number");
  const param = paramNode ? numberValue(r, paramNode) : undefined;
  if (param !== undefined && op !== "quantile_over_time") r.fail(paramNode!, `parameter ${r.text(paramNode!)} not supported for operation ${op}`);
  if (param === undefined && op === "quantile_over_time") r.fail(n, `parameter required for operation ${op}`);
  const range = logRange(r, r.child(n, "LogRangeExpr"));
  const groupingNode = n.getChild("Grouping");
  const grouping = groupingNode ? groupingOf(r, groupingNode) : undefined;
  if (grouping && !GROUPABLE.has(op)) r.fail(groupingNode!, `grouping not allowed for ${op} aggregation`);
  if (range.unwrap && !WITH_UNWRAP.has(op)) r.fail(n, `invalid aggregation ${op} with unwrap`);
  if (!range.unwrap && !WITHOUT_UNWRAP.has(op)) r.fail(n, `invalid aggregation ${op} without unwrap`);
  return { kind: "range_aggregation", op, param, range, grouping, pos: r.pos(n) };
}

/** A LogRangeExpr in any of the orders the grammar allows (range before or after the pipeline). */
function logRange(r: TreeReader, n: SyntaxNode): LogRange {
  const inner = n.getChild("LogRangeExpr");
  if (inner) return logRange(r, inner);
  // Parentheses (`({a="b"} | json)[5m]`) are not in the tree: the parts are direct children.
  const parts: SyntaxNode[] = [];
  for (const c of children(n)) parts.push(c);
  const selectorNode = parts.find((p) => p.name === "Selector")!;
  const pipelines = parts.filter((p) => p.name === "PipelineExpr");
  const rangeNode = parts.find((p) => p.name === "Range")!;
  const offsetNode = parts.find((p) => p.name === "OffsetExpr");
  const unwrapNode = parts.find((p) => p.name === "UnwrapExpr");
  const query = logQuery(r, selectorNode, pipelines[0] ?? null);
  const rangeText = r.text(r.child(rangeNode, "Duration"));
  const rangeNs = rangeDurationNs(rangeText);
  if (rangeNs === undefined || rangeNs <= 0n) r.fail(rangeNode, `invalid range ${rangeText}`, "a positive duration such as [5m]");
  let offsetNs = 0n;
  const moved = r.movedOffsets.get(rangeNode.to);
  if (offsetNode || moved !== undefined) {
    const text = offsetNode ? r.text(r.child(offsetNode, "Duration")) : moved!;
    const negative = text.startsWith("-");
    const ns = rangeDurationNs(negative ? text.slice(1) : text);
    if (ns === undefined) r.fail(offsetNode ?? rangeNode, `invalid offset ${text}`, "a duration such as offset 1h");
    offsetNs = negative ? -ns : ns;
  }
  return { query, rangeNs, offsetNs, unwrap: unwrapNode ? unwrap(r, unwrapNode) : undefined, pos: r.pos(n) };
}

function unwrap(r: TreeReader, n: SyntaxNode): Unwrap {
  const inner = n.getChild("UnwrapExpr");
  if (inner) {
    const base = unwrap(r, inner);
    base.postFilters.push(labelFilter(r, r.child(n, "LabelFilter")));
    return base;
  }
  const conv = n.getChild("ConvOp");
  return {
    label: r.text(r.child(n, "Identifier")),
    conversion: conv ? (r.text(conv) as UnwrapConversion) : undefined,
    postFilters: [],
    pos: r.pos(n),
  };
}

function groupingOf(r: TreeReader, n: SyntaxNode): Grouping {
  const labels: string[] = [];
  const walk = (node: SyntaxNode) => {
    for (const c of children(node)) {
      if (c.name === "Labels") walk(c);
      else if (c.name === "Identifier") labels.push(r.text(c));
    }
  };
  const list = n.getChild("Labels");
  if (list) walk(list);
  return { without: n.getChild("Without") !== null, labels };
}

function vectorAggregation(r: TreeReader, n: SyntaxNode): MetricExpr {
  const op = r.text(r.child(n, "VectorOp")).toLowerCase() as VectorOp;
  const paramNode = n.getChild("Number");
  const groupingNode = n.getChild("Grouping");
  const grouping = groupingNode ? groupingOf(r, groupingNode) : undefined;
  let param: number | undefined;
  if (op === "topk" || op === "bottomk") {
    if (!paramNode) r.fail(n, `parameter required for operation ${op}`);
    const text = r.text(paramNode);
    if (!/^\d+$/.test(text)) r.fail(paramNode, `invalid parameter ${op}(${text},`);
    param = Number(text);
    if (param <= 0) r.fail(paramNode, `invalid parameter (must be greater than 0) ${op}(${text}`);
  } else if (paramNode) r.fail(paramNode, `unsupported parameter for operation ${op}(${r.text(paramNode)},`);
  const inner = asMetric(r, r.child(n, "MetricExpr"), `inside ${op}`);
  return { kind: "vector_aggregation", op, param, expr: inner, grouping, pos: r.pos(n) };
}

const BIN_OPS: Record<string, BinaryOp> = {
  Add: "+", Sub: "-", Mul: "*", Div: "/", Mod: "%", Pow: "^", Eql: "==", Neq: "!=", Gtr: ">", Gte: ">=", Lss: "<", Lte: "<=",
  And: "and", Or: "or", Unless: "unless",
};
const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1, and: 2, unless: 2, "==": 3, "!=": 3, ">": 3, ">=": 3, "<": 3, "<=": 3, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "^": 6,
};

interface OperatorAt {
  op: BinaryOp;
  modifier: BinaryModifier;
  pos: number;
}

/** Flattens a chain of BinOpExprs (the grammar's associativity is not Loki's) and rebuilds it. */
function binary(r: TreeReader, n: SyntaxNode): MetricExpr {
  const operands: SyntaxNode[] = [];
  const ops: OperatorAt[] = [];
  const flatten = (node: SyntaxNode) => {
    const [lhs, opNode, modNode, rhs] = children(node);
    visitOperand(lhs!);
    ops.push({ op: BIN_OPS[opNode!.name]!, modifier: modifier(r, modNode!), pos: r.pos(opNode!) });
    visitOperand(rhs!);
  };
  const visitOperand = (e: SyntaxNode) => {
    const m = e.name === "Expr" ? e.firstChild! : e;
    if (m.name === "MetricExpr" && m.firstChild!.name === "BinOpExpr") flatten(m.firstChild!);
    else operands.push(e);
  };
  flatten(n);
  return climbAll(operands.map((o) => asMetric(r, o, "in a binary operation")), ops, r);
}

/** Precedence climbing over operands[0] op[0] operands[1] op[1] … */
function climbAll(values: MetricExpr[], ops: OperatorAt[], r: TreeReader): MetricExpr {
  let i = 0;
  const parse = (minPrec: number): MetricExpr => {
    let lhs = values[i]!;
    while (i < ops.length && PRECEDENCE[ops[i]!.op] >= minPrec) {
      const at = ops[i]!;
      i++;
      const prec = PRECEDENCE[at.op];
      const rhs = parse(at.op === "^" ? prec : prec + 1);
      lhs = binaryNode(r, at, lhs, rhs);
    }
    return lhs;
  };
  return parse(0);
}

function modifier(r: TreeReader, n: SyntaxNode): BinaryModifier {
  const m: BinaryModifier = { returnBool: n.getChild("Bool") !== null };
  const matching = n.getChild("OnOrIgnoringModifier");
  if (matching) m.matching = { on: matching.getChild("On") !== null, labels: groupingLabels(r, matching.getChild("GroupingLabels")) };
  const left = n.getChild("GroupLeft");
  const right = n.getChild("GroupRight");
  if (left || right) m.group = { side: left ? "left" : "right", include: groupingLabels(r, n.getChild("GroupingLabels")) };
  return m;
}

function groupingLabels(r: TreeReader, n: SyntaxNode | null): string[] {
  if (!n) return [];
  const out: string[] = [];
  const walk = (node: SyntaxNode) => {
    for (const c of children(node)) {
      if (c.name === "LabelName") out.push(r.text(c));
      else walk(c);
    }
  };
  walk(n);
  return out;
}

function binaryNode(r: TreeReader, at: OperatorAt, lhs: MetricExpr, rhs: MetricExpr): MetricExpr {
  const isSet = SET_OPS.includes(at.op);
  if (isSet) {
    if (lhs.kind === "literal") r.fail(at.pos, `unexpected literal for left leg of logical/set binary operation (${at.op}): ${lhs.value}`);
    if (rhs.kind === "literal") r.fail(at.pos, `unexpected literal for right leg of logical/set binary operation (${at.op}): ${rhs.value}`);
    if (at.modifier.returnBool) r.fail(at.pos, `bool modifier can only be used on comparison operators`);
  }
  if (at.modifier.returnBool && !COMPARISON_OPS.includes(at.op)) r.fail(at.pos, "bool modifier can only be used on comparison operators");
  if (at.modifier.group && isSet) r.fail(at.pos, `no grouping allowed for "${at.op}" operation`);
  return { kind: "binary", op: at.op, lhs, rhs, modifier: at.modifier, pos: at.pos };
}
