/**
 * LogQL subset parser: `{label="v", label=~"re", ...}` then any number of line filters
 * (`|= "text"`, `!= "text"`, `|~ "re"`, `!~ "re"`). Pipeline stages (`| json`, ...) and metric
 * queries are refused with a clear error rather than ignored.
 */
import type { LabelMatcher, LineFilter, LineFilterOp, LogQuery, MatcherOp } from "./ast.ts";
import { LogQLError } from "./errors.ts";

const MATCHER_OPS: readonly MatcherOp[] = ["=~", "!~", "!=", "="];
const FILTER_OPS: readonly LineFilterOp[] = ["|=", "|~", "!=", "!~"];
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };

export function parseLogQL(query: string): LogQuery {
  return new Parser(query).query();
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  private skipSpace(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i]!)) this.i++;
  }

  private fail(expected: string): never {
    const found = this.i >= this.src.length ? "end of query" : JSON.stringify(this.src.slice(this.i, this.i + 10));
    throw new LogQLError(`unexpected ${found}`, this.i, expected);
  }

  private eat(text: string): boolean {
    this.skipSpace();
    if (!this.src.startsWith(text, this.i)) return false;
    this.i += text.length;
    return true;
  }

  query(): LogQuery {
    if (!this.eat("{")) this.fail('a stream selector "{label=\\"value\\"}"');
    const matchers: LabelMatcher[] = [];
    if (!this.eat("}")) {
      do matchers.push(this.matcher());
      while (this.eat(","));
      if (!this.eat("}")) this.fail('"," or "}"');
    }
    const filters: LineFilter[] = [];
    for (;;) {
      this.skipSpace();
      if (this.i >= this.src.length) break;
      const pos = this.i;
      const op = FILTER_OPS.find((o) => this.src.startsWith(o, this.i));
      if (!op) {
        if (this.src[this.i] === "|") this.fail("a line filter (|=, |~); pipeline stages like | json are not supported");
        this.fail("a line filter (|=, !=, |~, !~) or end of query");
      }
      this.i += op.length;
      filters.push({ op, value: this.string(), pos });
    }
    return { matchers, filters };
  }

  private matcher(): LabelMatcher {
    this.skipSpace();
    const pos = this.i;
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.i));
    if (!m) this.fail("a label name");
    this.i += m[0].length;
    this.skipSpace();
    const op = MATCHER_OPS.find((o) => this.src.startsWith(o, this.i));
    if (!op) this.fail("a matcher operator (=, !=, =~, !~)");
    this.i += op.length;
    return { name: m[0], op, value: this.string(), pos };
  }

  /** A double-quoted string with escapes, or a raw backtick string. */
  private string(): string {
    this.skipSpace();
    const quote = this.src[this.i];
    if (quote !== '"' && quote !== "`") this.fail("a quoted string");
    const start = this.i;
    this.i++;
    let value = "";
    while (this.i < this.src.length) {
      const ch = this.src[this.i]!;
      if (ch === quote) {
        this.i++;
        return value;
      }
      if (ch === "\\" && quote === '"' && this.i + 1 < this.src.length) {
        const next = this.src[this.i + 1]!;
        value += ESCAPES[next] ?? "\\" + next;
        this.i += 2;
        continue;
      }
      value += ch;
      this.i++;
    }
    this.i = start;
    this.fail(`a closing ${quote}`);
  }
}
