/**
 * The log half of the lezer tree → AST conversion: selectors, line filters, parser stages,
 * label filters, formatting and label stages. Checks what Loki's parser checks (regexes
 * compile as RE2, label names are valid, parser flags are known).
 */
import type { SyntaxNode } from "@lezer/common";
import type {
  ComparisonOp, ExtractionParam, LabelFilterExpr, LabelFormatItem, LabelMatcher, LabelNameOrMatcher, LineFilter,
  LineFilterOp, LineFilterTerm, LogQuery, MatcherOp, Stage,
} from "./ast.ts";
import { compileIpPattern, IpPatternError } from "./ip.ts";
import { parseJsonPath } from "./parsers.ts";
import { compilePattern, PatternError } from "./pattern.ts";
import { children, type TreeReader } from "./syntax-tree.ts";
import { compileTemplate, TemplateError } from "./template.ts";
import { goDurationSeconds, parseBytes } from "./units.ts";

const MATCHER_OPS: Record<string, MatcherOp> = { Eq: "=", Neq: "!=", Re: "=~", Nre: "!~" };
const FILTER_OPS: Record<string, LineFilterOp> = { PipeExact: "|=", Neq: "!=", PipeMatch: "|~", Nre: "!~", PipePattern: "|>", Npa: "!>" };
const COMPARISONS: Record<string, ComparisonOp> = { Gtr: ">", Gte: ">=", Lss: "<", Lte: "<=", Neq: "!=", Eq: "==", Eql: "==" };

/** The label the empty-selector placeholder matches on (parser.ts); never a real label. */
export const EMPTY_SELECTOR_PLACEHOLDER = "__logql_empty_selector__";

export function selector(r: TreeReader, n: SyntaxNode): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  const walk = (m: SyntaxNode) => {
    for (const c of children(m)) {
      if (c.name === "Matchers") walk(c);
      else if (c.name === "Matcher") out.push(matcher(r, c));
    }
  };
  walk(r.child(n, "Matchers"));
  return out.filter((m) => m.name !== EMPTY_SELECTOR_PLACEHOLDER);
}

export function matcher(r: TreeReader, n: SyntaxNode): LabelMatcher {
  const [name, op, value] = children(n);
  const mop = MATCHER_OPS[op!.name]!;
  const text = mop === "=~" || mop === "!~" ? r.regex(value!, true) : r.string(value!);
  return { name: r.text(name!), op: mop, value: text, pos: r.pos(n) };
}

/** Every stage of a PipelineExpr, in order. */
export function pipeline(r: TreeReader, n: SyntaxNode | null): Stage[] {
  const stages: Stage[] = [];
  const walk = (p: SyntaxNode) => {
    for (const c of children(p)) {
      if (c.name === "PipelineExpr") walk(c);
      else if (c.name === "PipelineStage") stages.push(...stage(r, c));
    }
  };
  if (n) walk(n);
  return stages;
}

function stage(r: TreeReader, n: SyntaxNode): Stage[] {
  const lineFilters = n.getChild("LineFilters");
  if (lineFilters) return lineFilterList(r, lineFilters).map((f) => ({ kind: "line_filter" as const, ...f }));
  const body = children(n).find((c) => c.name !== "Pipe")!;
  const pos = r.pos(n);
  switch (body.name) {
    case "LabelParser": {
      const [kw, arg] = children(body);
      if (kw!.name === "Json") return [{ kind: "json", params: [], pos }];
      if (kw!.name === "Unpack") return [{ kind: "unpack", pos }];
      if (kw!.name === "Regexp") {
        const pattern = r.regex(arg!, false);
        return [{ kind: "regexp", pattern, pos }];
      }
      const pattern = r.string(arg!);
      try {
        compilePattern(pattern, true);
      } catch (err) {
        if (err instanceof PatternError) r.fail(arg!, `invalid pattern ${JSON.stringify(pattern)}: ${err.message}`);
        throw err;
      }
      return [{ kind: "pattern", pattern, pos }];
    }
    case "JsonExpressionParser":
      return [{ kind: "json", params: extractionParams(r, r.child(body, "LabelExtractionExpressionList"), true), pos }];
    case "LogfmtParser":
    case "LogfmtExpressionParser": {
      const flags = body.getChild("LogfmtParserFlags");
      const flagTexts = flags ? r.text(flags).split(/\s+/) : [];
      const list = body.getChild("LabelExtractionExpressionList");
      return [{
        kind: "logfmt",
        strict: flagTexts.includes("--strict"),
        keepEmpty: flagTexts.includes("--keep-empty"),
        params: list ? extractionParams(r, list, false) : [],
        pos,
      }];
    }
    case "LabelFilter":
      return [{ kind: "label_filter", filter: labelFilter(r, body), pos }];
    case "LineFormatExpr": {
      const template = r.string(r.child(body, "String"));
      checkTemplate(r, body, template);
      return [{ kind: "line_format", template, pos }];
    }
    case "LabelFormatExpr":
      return [{ kind: "label_format", items: labelFormatItems(r, r.child(body, "LabelsFormat")), pos }];
    case "DecolorizeExpr":
      return [{ kind: "decolorize", pos }];
    case "DropLabelsExpr":
      return [{ kind: "drop", labels: nameOrMatchers(r, r.child(body, "DropLabels"), "DropLabel"), pos }];
    case "KeepLabelsExpr":
      return [{ kind: "keep", labels: nameOrMatchers(r, r.child(body, "KeepLabels"), "KeepLabel"), pos }];
  }
  return r.fail(n, `unknown pipeline stage ${JSON.stringify(r.text(n))}`, "a pipeline stage");
}

/**
 * Line filters in order. The grammar hangs `or` alternatives either inside a LineFilter or
 * next to it in LineFilters; both attach to the filter before them.
 */
function lineFilterList(r: TreeReader, n: SyntaxNode): LineFilter[] {
  const out: LineFilter[] = [];
  const walk = (node: SyntaxNode) => {
    for (const c of children(node)) {
      if (c.name === "LineFilters") walk(c);
      else if (c.name === "LineFilter") out.push(lineFilter(r, c));
      else if (c.name === "OrFilter") {
        const last = out[out.length - 1]!;
        (last.or ??= []).push(...orTerms(r, c, last.op));
      }
    }
  };
  walk(n);
  return out;
}

function lineFilter(r: TreeReader, n: SyntaxNode): LineFilter {
  const filter = r.child(n, "Filter");
  const op = FILTER_OPS[filter.firstChild!.name]!;
  const first = term(r, op, n);
  const orNode = n.getChild("OrFilter");
  const f: LineFilter = { op, ...first, pos: r.pos(n) };
  if (orNode) f.or = orTerms(r, orNode, op);
  return f;
}

/** The term (string or ip(...)) directly under `n`. */
function term(r: TreeReader, op: LineFilterOp, n: SyntaxNode): LineFilterTerm {
  const str = r.child(n, "String");
  const isIp = n.getChild("FilterOp") !== null;
  if (isIp) {
    if (op !== "|=" && op !== "!=") r.fail(n, `ip() can only be used with |= or !=, not ${op}`);
    const value = r.string(str);
    checkIpPattern(r, str, value);
    return { value, ip: true };
  }
  const value = op === "|~" || op === "!~" ? r.regex(str, false) : r.string(str);
  if (op === "|>" || op === "!>") {
    try {
      compilePattern(value, false);
    } catch (err) {
      if (err instanceof PatternError) r.fail(str, `invalid line filter pattern ${JSON.stringify(value)}: ${err.message}`);
      throw err;
    }
  }
  return { value };
}

function orTerms(r: TreeReader, n: SyntaxNode, op: LineFilterOp): LineFilterTerm[] {
  const terms: LineFilterTerm[] = [term(r, op, n)];
  const next = n.getChild("OrFilter");
  if (next) terms.push(...orTerms(r, next, op));
  return terms;
}

function extractionParams(r: TreeReader, n: SyntaxNode, json: boolean): ExtractionParam[] {
  const out: ExtractionParam[] = [];
  const walk = (node: SyntaxNode) => {
    for (const c of children(node)) {
      if (c.name === "LabelExtractionExpressionList") walk(c);
      else if (c.name === "LabelExtractionExpression") {
        const name = r.text(r.child(c, "Identifier"));
        const str = c.getChild("String");
        const expression = str ? r.string(str) : name;
        if (json) {
          try {
            parseJsonPath(expression);
          } catch (err) {
            r.fail(str ?? c, (err as Error).message);
          }
        }
        out.push({ name, expression });
      }
    }
  };
  walk(n);
  return out;
}

export function labelFilter(r: TreeReader, n: SyntaxNode): LabelFilterExpr {
  // Punctuation is not in the tree: `(f)` is one LabelFilter child, `f, g` two, `f and g` three.
  const parts = children(n);
  const subFilters = parts.filter((p) => p.name === "LabelFilter");
  if (subFilters.length === 1) return labelFilter(r, subFilters[0]!);
  if (subFilters.length === 2) {
    const kind = parts.some((p) => p.name === "Or") ? "or" : "and";
    return { kind, left: labelFilter(r, subFilters[0]!), right: labelFilter(r, subFilters[1]!) };
  }
  const body = parts[0]!;
  switch (body.name) {
    case "Matcher":
      return { kind: "string", matcher: matcher(r, body) };
    case "IpLabelFilter": {
      const [name, op] = children(body);
      const str = r.child(body, "String");
      const cidr = r.string(str);
      checkIpPattern(r, str, cidr);
      return { kind: "ip", name: r.text(name!), negated: op!.name === "Neq", cidr, pos: r.pos(body) };
    }
    case "UnitFilter": {
      const inner = body.firstChild!;
      const [name, op, value] = children(inner);
      const text = r.text(value!);
      const isDuration = inner.name === "DurationFilter";
      const parsed = isDuration ? goDurationSeconds(text) : parseBytes(text);
      if (parsed === undefined) r.fail(value!, `invalid ${isDuration ? "duration" : "bytes"} ${text}`);
      return { kind: isDuration ? "duration" : "bytes", name: r.text(name!), op: COMPARISONS[op!.name]!, value: parsed, pos: r.pos(inner) };
    }
    case "NumberFilter": {
      const [name, op, literal] = children(body);
      return { kind: "number", name: r.text(name!), op: COMPARISONS[op!.name]!, value: literalValue(r, literal!), pos: r.pos(body) };
    }
  }
  return r.fail(n, `unknown label filter ${JSON.stringify(r.text(n))}`, "a label filter");
}

/** A LiteralExpr: an optionally signed number (decimal, exponent or 0x hex). */
export function literalValue(r: TreeReader, n: SyntaxNode): number {
  const parts = children(n);
  const sign = parts[0]!.name === "Sub" ? -1 : 1;
  return sign * numberValue(r, parts[parts.length - 1]!);
}

export function numberValue(r: TreeReader, n: SyntaxNode): number {
  const text = r.text(n);
  // Loki reads literals with Go's strconv.ParseFloat, which refuses "0x10" (no p exponent).
  const value = /^0x/i.test(text) ? NaN : Number(text);
  if (Number.isNaN(value)) r.fail(n, `unable to parse literal as a float: strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  return value;
}

function labelFormatItems(r: TreeReader, n: SyntaxNode): LabelFormatItem[] {
  const out: LabelFormatItem[] = [];
  const seen = new Set<string>();
  const walk = (node: SyntaxNode) => {
    for (const c of children(node)) {
      if (c.name === "LabelsFormat") walk(c);
      else if (c.name === "LabelFormatMatcher") {
        const [dst, , src] = children(c);
        const name = r.text(dst!);
        // Loki refuses a label formatted twice in one stage.
        if (seen.has(name)) r.fail(c, `multiple label name '${name}' not allowed in a single format operation`);
        seen.add(name);
        if (src!.name === "Identifier") out.push({ name, rename: r.text(src!) });
        else {
          const template = r.string(src!);
          checkTemplate(r, src!, template);
          out.push({ name, template });
        }
      }
    }
  };
  walk(n);
  return out;
}

function nameOrMatchers(r: TreeReader, n: SyntaxNode, itemName: string): LabelNameOrMatcher[] {
  const out: LabelNameOrMatcher[] = [];
  const walk = (node: SyntaxNode) => {
    for (const c of children(node)) {
      if (c.name === itemName) {
        const m = c.getChild("Matcher");
        if (m) {
          const lm = matcher(r, m);
          out.push({ name: lm.name, matcher: lm });
        } else out.push({ name: r.text(c) });
      } else if (c.name !== ",") walk(c);
    }
  };
  walk(n);
  return out;
}

function checkTemplate(r: TreeReader, n: SyntaxNode, template: string): void {
  try {
    compileTemplate(template);
  } catch (err) {
    if (err instanceof TemplateError) r.fail(n, `invalid template ${JSON.stringify(template)}: ${err.message}`);
    throw err;
  }
}

function checkIpPattern(r: TreeReader, n: SyntaxNode, value: string): void {
  // Loki accepts an address, a CIDR range or an address range `a-b` (ip.ts reads them).
  try {
    compileIpPattern(value);
  } catch (err) {
    if (err instanceof IpPatternError) r.fail(n, `invalid ip pattern ${JSON.stringify(value)}: ${err.message}`);
    throw err;
  }
}

export function logQuery(r: TreeReader, selectorNode: SyntaxNode, pipelineNode: SyntaxNode | null): LogQuery {
  return { kind: "log", matchers: selector(r, selectorNode), pipeline: pipeline(r, pipelineNode), pos: r.pos(selectorNode) };
}
