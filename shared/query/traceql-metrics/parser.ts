/**
 * Parses a TraceQL metrics query: `<spanset expression> | <metrics function> [by (...)]
 * [| topk(n) | bottomk(n)] [with (hint=value, ...)]`. The spanset expression (and compare()'s
 * filter) goes to the TraceQL parser (shared/query/traceql); this module reads the stages
 * after it. Errors are TraceQLErrors carrying the 0-based position in the whole query.
 */
import { durationNs, TRACEQL_DURATION } from "../../duration/index.ts";
import { parseTraceQL, TraceQLError, type SpansetFilter } from "../traceql/index.ts";
import {
  DEFAULT_COMPARE_TOP_N, MAX_COMPARE_TOP_N, MAX_GROUP_BYS, METRICS_FUNCTIONS, METRICS_INTRINSICS, VALUE_FUNCTIONS,
  type HintValue, type MetricsAttribute, type MetricsFunction, type MetricsIntrinsic, type MetricsQuery, type MetricsStage, type SecondStage,
} from "./ast.ts";

type Kind = "word" | "number" | "string" | "(" | ")" | "," | "=" | "|" | "{" | "eof";
interface Tok {
  kind: Kind;
  text: string;
  pos: number;
}

const SCOPED_INTRINSICS: Record<string, MetricsIntrinsic> = {
  "span:duration": "duration", "span:name": "name", "span:status": "status", "span:kind": "kind",
  "span:statusMessage": "statusMessage", "trace:rootName": "rootName", "trace:rootService": "rootServiceName",
  "trace:duration": "traceDuration",
};

/** True when the query has a top-level `|` followed by a metrics function (a metrics query). */
export function isMetricsQuery(query: string): boolean {
  const cut = topLevelPipe(query);
  if (cut < 0) return false;
  const head = /^\s*([a-z_]+)\s*\(/.exec(query.slice(cut + 1));
  return head !== null && (METRICS_FUNCTIONS as readonly string[]).includes(head[1]!);
}

export function parseMetricsQuery(query: string): MetricsQuery {
  const cut = topLevelPipe(query);
  if (cut < 0) throw new TraceQLError("not a metrics query", query.length, "| followed by a metrics function such as rate()");
  const spanset = parseTraceQL(query.slice(0, cut));
  const p = new StageParser(query, cut + 1);
  const stage = p.stage();
  let second: SecondStage | undefined;
  if (p.peek("|")) {
    p.take();
    second = p.secondStage();
  }
  const hints = p.peekWord("with") ? p.hints() : {};
  p.expect("eof", second ? "with(...) or end of query" : "by(...), | topk(n), | bottomk(n), with(...) or end of query");
  return { spanset, stage, second, hints };
}

/** Offset of the first `|` outside braces, parentheses and quotes (`||` is an operator). */
function topLevelPipe(query: string): number {
  let depth = 0;
  for (let i = 0; i < query.length; i++) {
    const ch = query[i]!;
    if (ch === '"' || ch === "`") {
      i = closingQuote(query, i);
      continue;
    }
    if (ch === "{" || ch === "(") depth++;
    else if (ch === "}" || ch === ")") depth--;
    else if (ch === "|" && depth === 0) {
      if (query[i + 1] === "|") {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

function closingQuote(text: string, open: number): number {
  const quote = text[open]!;
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === "\\" && quote === '"') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

class StageParser {
  private readonly tokens: Tok[];
  private index = 0;

  constructor(private readonly query: string, from: number) {
    this.tokens = lex(query, from);
  }

  private get current(): Tok {
    return this.tokens[this.index]!;
  }

  peek(kind: Kind): boolean {
    return this.current.kind === kind;
  }

  peekWord(word: string): boolean {
    return this.current.kind === "word" && this.current.text === word;
  }

  take(): Tok {
    const t = this.current;
    if (t.kind !== "eof") this.index++;
    return t;
  }

  fail(expected: string, tok: Tok = this.current): never {
    throw new TraceQLError(`unexpected ${tok.kind === "eof" ? "end of query" : `"${tok.text}"`}`, tok.pos, expected);
  }

  expect(kind: Kind, expected: string): Tok {
    if (this.current.kind !== kind) this.fail(expected);
    return this.take();
  }

  stage(): MetricsStage {
    const name = this.expect("word", `a metrics function (${METRICS_FUNCTIONS.join(", ")})`);
    if (!(METRICS_FUNCTIONS as readonly string[]).includes(name.text)) this.fail(`a metrics function (${METRICS_FUNCTIONS.join(", ")})`, name);
    const fn = name.text as MetricsFunction;
    this.expect("(", "(");
    const stage: MetricsStage = { fn, by: [], pos: name.pos };
    if (fn === "compare") stage.compare = this.compareArgs();
    else if (VALUE_FUNCTIONS.has(fn)) {
      stage.attribute = this.attribute();
      if (fn === "quantile_over_time") {
        stage.quantiles = [];
        while (this.peek(",")) {
          this.take();
          const q = this.number();
          if (!(q.value >= 0 && q.value <= 1)) throw new TraceQLError(`quantile must be between 0 and 1: ${q.value}`, q.pos, "a quantile in [0, 1]");
          stage.quantiles.push(q.value);
        }
        if (stage.quantiles.length === 0) this.fail(", and at least one quantile");
      }
    }
    this.expect(")", ")");
    if (this.peekWord("by")) {
      this.take();
      this.expect("(", "(");
      stage.by.push(this.attribute());
      while (this.peek(",")) {
        this.take();
        stage.by.push(this.attribute());
      }
      this.expect(")", ", or )");
      const max = fn === "quantile_over_time" || fn === "histogram_over_time" ? MAX_GROUP_BYS - 1 : MAX_GROUP_BYS;
      if (stage.by.length > max) throw new TraceQLError(`metrics group by ${stage.by.length} values not supported`, name.pos, `at most ${max} attributes in by()`);
    }
    if (fn === "compare" && stage.by.length > 0) throw new TraceQLError("compare() takes no by()", name.pos, "compare(...) without by()");
    return stage;
  }

  secondStage(): SecondStage {
    const name = this.expect("word", "topk or bottomk");
    if (name.text !== "topk" && name.text !== "bottomk") this.fail("topk or bottomk", name);
    this.expect("(", "(");
    const limit = this.number();
    if (!Number.isInteger(limit.value) || limit.value <= 0) throw new TraceQLError("limit must be greater than 0", limit.pos, "a whole number above 0");
    this.expect(")", ")");
    return { op: name.text, limit: limit.value, pos: name.pos };
  }

  hints(): Record<string, HintValue> {
    this.take();
    this.expect("(", "(");
    const hints: Record<string, HintValue> = {};
    for (;;) {
      const key = this.expect("word", "a hint name");
      this.expect("=", "=");
      const v = this.take();
      if (v.kind === "number") hints[key.text] = Number(v.text);
      else if (v.kind === "string") hints[key.text] = v.text;
      else if (v.kind === "word" && (v.text === "true" || v.text === "false")) hints[key.text] = v.text === "true";
      else if (v.kind === "word" && durationNs(v.text, TRACEQL_DURATION) !== undefined) hints[key.text] = v.text;
      else this.fail("a number, string, duration, true or false", v);
      if (!this.peek(",")) break;
      this.take();
    }
    this.expect(")", ", or )");
    return hints;
  }

  private compareArgs(): NonNullable<MetricsStage["compare"]> {
    const open = this.expect("{", "a spanset filter { ... }");
    const filter = this.spansetFilter(open);
    let topN = DEFAULT_COMPARE_TOP_N;
    let startNs: bigint | undefined;
    let endNs: bigint | undefined;
    if (this.peek(",")) {
      this.take();
      const n = this.number();
      if (!Number.isInteger(n.value) || n.value <= 0 || n.value > MAX_COMPARE_TOP_N) {
        throw new TraceQLError(`compare() top number of values must be an integer between 1 and ${MAX_COMPARE_TOP_N}`, n.pos, "a whole number");
      }
      topN = n.value;
      if (this.peek(",")) {
        this.take();
        const s = this.number();
        this.expect(",", ", and an end timestamp");
        const e = this.number();
        if (!Number.isInteger(s.value) || !Number.isInteger(e.value) || s.value <= 0 || e.value <= 0) {
          throw new TraceQLError("compare() timestamps must be positive integer unix nanoseconds", s.pos, "unix nanoseconds");
        }
        startNs = BigInt(s.text);
        endNs = BigInt(e.text);
        if (endNs <= startNs) throw new TraceQLError("compare() end timestamp must be greater than start timestamp", e.pos, "an end after the start");
      }
    }
    return { filter, topN, startNs, endNs };
  }

  /** `{ ... }` in compare(): the braces' text goes to the TraceQL parser, positions kept (the lexer skipped it). */
  private spansetFilter(open: Tok): SpansetFilter {
    const close = matchingBrace(this.query, open.pos);
    // Padding keeps the TraceQL parser's positions those of the whole query.
    const expr = parseTraceQL(" ".repeat(open.pos) + this.query.slice(open.pos, close + 1));
    if (expr.type !== "filter") throw new TraceQLError("compare() takes one spanset filter", open.pos, "{ ... }");
    return expr;
  }

  private number(): { value: number; text: string; pos: number } {
    const t = this.expect("number", "a number");
    return { value: Number(t.text), text: t.text, pos: t.pos };
  }

  private attribute(): MetricsAttribute {
    const t = this.expect("word", "an attribute such as duration, span.http.route or resource.service.name");
    const text = t.text;
    if ((METRICS_INTRINSICS as readonly string[]).includes(text)) return { type: "intrinsic", name: text as MetricsIntrinsic, label: text, pos: t.pos };
    if (Object.hasOwn(SCOPED_INTRINSICS, text)) return { type: "intrinsic", name: SCOPED_INTRINSICS[text]!, label: text, pos: t.pos };
    const scoped = /^(span|resource)\.(.+)$/.exec(text);
    if (scoped) return { type: "attribute", scope: scoped[1] as "span" | "resource", name: unquote(scoped[2]!), label: text, pos: t.pos };
    if (text.startsWith(".") && text.length > 1) return { type: "attribute", scope: "unscoped", name: unquote(text.slice(1)), label: text, pos: t.pos };
    return this.fail("an attribute such as duration, span.http.route or resource.service.name", t);
  }
}

function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') ? (JSON.parse(name) as string) : name;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "`") i = closingQuote(text, i);
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return i;
  }
  return -1;
}

const WORD = /^[A-Za-z_.:][A-Za-z0-9_.:\-/]*(?:"(?:[^"\\]|\\.)*")?/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;

function lex(query: string, from: number): Tok[] {
  const out: Tok[] = [];
  let i = from;
  while (i < query.length) {
    const ch = query[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if ("(),=|".includes(ch)) {
      out.push({ kind: ch as Kind, text: ch, pos: i });
      i++;
      continue;
    }
    if (ch === "{") {
      out.push({ kind: "{", text: "{", pos: i });
      const close = matchingBrace(query, i);
      if (close < 0) throw new TraceQLError("unclosed {", i, "}");
      i = close + 1;
      continue;
    }
    if (ch === '"') {
      const end = closingQuote(query, i);
      if (end >= query.length) throw new TraceQLError("unterminated string", i, 'a closing "');
      out.push({ kind: "string", text: JSON.parse(query.slice(i, end + 1)) as string, pos: i });
      i = end + 1;
      continue;
    }
    const rest = query.slice(i);
    const num = NUMBER.exec(rest);
    const word = WORD.exec(rest);
    // A number followed by a unit is a duration word (hint values like 5m).
    if (num && !(word && word[0].length > num[0].length) && !/^[A-Za-zµ]/.test(rest.slice(num[0].length))) {
      out.push({ kind: "number", text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const durationWord = /^\d+(?:\.\d+)?[a-zµ]+/.exec(rest);
    const w = durationWord ?? word;
    if (!w) throw new TraceQLError(`unexpected "${ch}"`, i, "a metrics function, attribute, number or punctuation");
    out.push({ kind: "word", text: w[0], pos: i });
    i += w[0].length;
  }
  out.push({ kind: "eof", text: "", pos: query.length });
  return out;
}
