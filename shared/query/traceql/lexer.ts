/**
 * TraceQL tokens, as Tempo's lexer (`pkg/traceql/lexer.go`) cuts them: operators by longest
 * match; numbers, with a duration unit glued on making a duration; attributes after a scope
 * (`.`, `span.`, `resource.`, `event.`, `link.`, `instrumentation.`, `parent.`) running to
 * whitespace or one of `{}()=~!<>&|^,` (quoted parts allowed: `span."a b"`); `scope:name`
 * intrinsics; everything else an identifier the parser interprets (keywords depend on where
 * they stand, as in Tempo's grammar).
 */
import { durationNs, GO_DURATION, PROMETHEUS_DURATION, TRACEQL_DURATION } from "../../duration/index.ts";
import { SCOPED_INTRINSICS, type AttributeScope, type Intrinsic } from "./ast.ts";
import { TraceQLError } from "./errors.ts";

export type TokenKind = "punct" | "string" | "int" | "float" | "duration" | "ident" | "attribute" | "intrinsic" | "eof";

export interface Token {
  kind: TokenKind;
  /** The source text (punctuation: the operator itself). */
  text: string;
  pos: number;
  /** string: unescaped value; ident: the name; attribute: the attribute name. */
  str: string;
  /** int and duration (nanoseconds). */
  big: bigint;
  /** float (and int, as a number). */
  num: number;
  scope: AttributeScope;
  parentAttr: boolean;
  intrinsic: Intrinsic | null;
}

const PUNCT = [
  "!>>", "!<<", "&>>", "&<<",
  "&&", "||", "!=", "!~", "!>", "!<", ">=", "<=", ">>", "<<", "=~", "&>", "&<", "&~",
  "{", "}", "(", ")", ",", "|", "!", "=", ">", "<", "~", "+", "-", "*", "/", "%", "^",
];
const DOT_SCOPES: Readonly<Record<string, AttributeScope>> = {
  span: "span",
  resource: "resource",
  event: "event",
  link: "link",
  instrumentation: "instrumentation",
};
const COLON_SCOPES = new Set(["span", "trace", "event", "link", "instrumentation"]);
const NOT_ATTRIBUTE = new Set([..."{}()=~!<>&|^,"]);
const INT64_MAX = (1n << 63n) - 1n;

const isAttributeRune = (ch: string | undefined) => ch !== undefined && !NOT_ATTRIBUTE.has(ch) && !/\s/.test(ch);

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, start: number, end: number, extra: Partial<Token> = {}) =>
    tokens.push({
      kind, text: source.slice(start, end), pos: start, str: "", big: 0n, num: 0, scope: "unscoped", parentAttr: false, intrinsic: null,
      ...extra,
    });
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (source.startsWith("//", i)) {
      const nl = source.indexOf("\n", i);
      i = nl < 0 ? source.length : nl + 1;
      continue;
    }
    if (source.startsWith("/*", i)) {
      const close = source.indexOf("*/", i + 2);
      if (close < 0) throw new TraceQLError("unterminated comment", i, "*/");
      i = close + 2;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === "`") {
      const { value, end } = readString(source, i);
      push("string", start, end, { str: value });
      i = end;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(source[i + 1] ?? ""))) {
      i = readNumber(source, i, push);
      continue;
    }
    if (ch === ".") {
      const attr = readAttribute(source, i + 1);
      push("attribute", start, attr.end, { str: attr.name, scope: "unscoped" });
      i = attr.end;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let end = i + 1;
      while (end < source.length && /[A-Za-z0-9_]/.test(source[end]!)) end++;
      const word = source.slice(i, end);
      if (source[end] === "." && (word in DOT_SCOPES || word === "parent")) {
        let scope: AttributeScope = word === "parent" ? "unscoped" : DOT_SCOPES[word]!;
        let from = end + 1;
        if (word === "parent") {
          const inner = /^(span|resource)\./.exec(source.slice(from));
          if (inner) {
            scope = DOT_SCOPES[inner[1]!]!;
            from += inner[0].length;
          }
        }
        const attr = readAttribute(source, from);
        push("attribute", start, attr.end, { str: attr.name, scope, parentAttr: word === "parent" });
        i = attr.end;
        continue;
      }
      if (source[end] === ":" && COLON_SCOPES.has(word)) {
        let nameEnd = end + 1;
        while (nameEnd < source.length && /[A-Za-z0-9_]/.test(source[nameEnd]!)) nameEnd++;
        const text = source.slice(start, nameEnd);
        const intrinsic = SCOPED_INTRINSICS[text];
        if (intrinsic === undefined) {
          const known = Object.keys(SCOPED_INTRINSICS).filter((k) => k.startsWith(word + ":"));
          throw new TraceQLError(`unknown intrinsic "${text}"`, start, "one of " + known.join(", "));
        }
        push("intrinsic", start, nameEnd, { str: text, intrinsic });
        i = nameEnd;
        continue;
      }
      push("ident", start, end, { str: word });
      i = end;
      continue;
    }
    const punct = PUNCT.find((p) => source.startsWith(p, i));
    if (punct === undefined) throw new TraceQLError(`unexpected character ${JSON.stringify(ch)}`, i, "a spanset filter, operator or value");
    push("punct", start, i + punct.length);
    i += punct.length;
  }
  push("eof", source.length, source.length, { text: "end of query" } as Partial<Token>);
  tokens[tokens.length - 1]!.text = "end of query";
  return tokens;
}

/** An integer, float or duration at `i`; Tempo reads `1h30m`, `1.5s`, `500µs`, `1d` as durations. */
function readNumber(source: string, i: number, push: (kind: TokenKind, start: number, end: number, extra?: Partial<Token>) => void): number {
  const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(source.slice(i))!;
  let end = i + m[0].length;
  const unit = /^[0-9nsumhµμdwy.]*/.exec(source.slice(end))![0];
  if (unit !== "" && /[a-zµμ]/.test(unit)) {
    const text = m[0] + unit;
    const ns = durationNs(text, TRACEQL_DURATION) ?? durationNs(text, GO_DURATION) ?? durationNs(text, PROMETHEUS_DURATION);
    if (ns === undefined) throw new TraceQLError(`invalid duration "${text}"`, i, "a duration like 100ms, 1.5s, 1h30m");
    push("duration", i, end + unit.length, { big: ns, num: Number(ns) });
    return end + unit.length;
  }
  if (/[A-Za-z_]/.test(source[end] ?? "")) throw new TraceQLError(`invalid number "${source.slice(i).split(/[\s{}()]/)[0]}"`, i, "a number or duration");
  const text = m[0];
  if (/^[0-9]+$/.test(text)) {
    const big = BigInt(text);
    if (big > INT64_MAX) throw new TraceQLError(`integer ${text} out of range`, i, "an integer that fits 64 bits");
    push("int", i, end, { big, num: Number(big) });
  } else {
    push("float", i, end, { num: Number(text) });
  }
  return end;
}

/** The attribute name after a scope's dot: attribute runes and quoted parts (`\"`, `\\` escapes). */
function readAttribute(source: string, from: number): { name: string; end: number } {
  let i = from;
  let name = "";
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '"') {
      i++;
      let closed = false;
      while (i < source.length) {
        const c = source[i]!;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === "\\") {
          const next = source[i + 1];
          if (next !== '"' && next !== "\\") throw new TraceQLError("invalid escape sequence in attribute name", i, '\\" or \\\\');
          name += next;
          i += 2;
          continue;
        }
        name += c;
        i++;
      }
      if (!closed) throw new TraceQLError("unterminated quoted attribute name", from, 'closing "');
      continue;
    }
    if (!isAttributeRune(ch)) break;
    name += ch;
    i++;
  }
  if (name === "") throw new TraceQLError(`unexpected ${i < source.length ? JSON.stringify(source[i]) : "end of query"}`, i, "an attribute name");
  return { name, end: i };
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "'": "'" };

/** A double-quoted string with backslash escapes, or a raw backtick string (handy for regexes). */
function readString(source: string, start: number): { value: string; end: number } {
  const quote = source[start]!;
  let i = start + 1;
  let value = "";
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === quote) return { value, end: i + 1 };
    if (ch === "\\" && quote === '"') {
      const next = source[i + 1];
      if (next === undefined) break;
      const esc = ESCAPES[next];
      // Unknown escapes are kept verbatim so regexes like "\d+" survive.
      value += esc ?? "\\" + next;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  throw new TraceQLError("unterminated string", start, `closing ${quote}`);
}
