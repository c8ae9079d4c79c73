/**
 * TraceQL tokens. Attribute paths such as `resource.service.name` or `.http.status_code` are
 * lexed as one `word` because dots and dashes are part of attribute names; the parser decides
 * what a word means (scope, intrinsic, keyword literal).
 */
import { TraceQLError } from "./errors.ts";

export type TokenKind =
  | "{" | "}" | "(" | ")"
  | "&&" | "||"
  | "=" | "!=" | ">" | ">=" | "<" | "<=" | "=~" | "!~"
  | "string" | "number" | "word" | "eof";

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for messages). */
  text: string;
  /** Unescaped text for strings; the full path (quoted tail unescaped) for words. */
  value: string;
  pos: number;
  /** A word whose name part was written quoted: `span."with space"`. */
  quoted?: boolean;
}

const PUNCT: readonly TokenKind[] = ["&&", "||", "!=", ">=", "<=", "=~", "!~", "=", ">", "<", "{", "}", "(", ")"];
const WORD_STOP = new Set([..." \t\r\n{}()=!<>~&|,\"'`"]);

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    const punct = PUNCT.find((p) => source.startsWith(p, i));
    if (punct) {
      tokens.push({ kind: punct, text: punct, value: punct, pos: start });
      i += punct.length;
      continue;
    }
    if (ch === '"' || ch === "`") {
      const { value, end } = readString(source, i);
      tokens.push({ kind: "string", text: source.slice(start, end), value, pos: start });
      i = end;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === "-" && /[0-9]/.test(source[i + 1] ?? ""))) {
      const m = /^-?[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h)?/.exec(source.slice(i))!;
      const after = source[i + m[0].length];
      if (after !== undefined && !WORD_STOP.has(after)) {
        throw new TraceQLError(`invalid number "${source.slice(i).split(/[\s{}()]/)[0]}"`, i, "a number or duration");
      }
      tokens.push({ kind: "number", text: m[0], value: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_.]/.test(ch)) {
      while (i < source.length && !WORD_STOP.has(source[i]!)) i++;
      let value = source.slice(start, i);
      let quoted = false;
      // `span."name with spaces"`: a quoted attribute name right after the scope's dot.
      if (value.endsWith(".") && source[i] === '"') {
        const str = readString(source, i);
        value += str.value;
        quoted = true;
        i = str.end;
      }
      tokens.push({ kind: "word", text: source.slice(start, i), value, pos: start, quoted });
      continue;
    }
    throw new TraceQLError(`unexpected character ${JSON.stringify(ch)}`, i, "a spanset filter, operator or value");
  }
  tokens.push({ kind: "eof", text: "end of query", value: "", pos: source.length });
  return tokens;
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
