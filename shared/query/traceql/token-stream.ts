/** A cursor over the tokens, with save/restore for the few places TraceQL needs to look ahead. */
import { TraceQLError } from "./errors.ts";
import type { Token } from "./lexer.ts";

export class TokenStream {
  index = 0;
  constructor(readonly tokens: Token[]) {}

  get current(): Token {
    return this.tokens[this.index]!;
  }

  peek(offset = 1): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  next(): Token {
    const t = this.current;
    if (t.kind !== "eof") this.index++;
    return t;
  }

  isPunct(text: string): boolean {
    return this.current.kind === "punct" && this.current.text === text;
  }

  isIdent(word: string): boolean {
    return this.current.kind === "ident" && this.current.str === word;
  }

  expectPunct(text: string, expected = `"${text}"`): Token {
    if (!this.isPunct(text)) this.fail(expected);
    return this.next();
  }

  expectIdent(word: string): Token {
    if (!this.isIdent(word)) this.fail(`"${word}"`);
    return this.next();
  }

  fail(expected: string, at?: number): never {
    const token = at === undefined ? this.current : (this.tokens.find((t) => t.pos === at) ?? this.current);
    const found = token.kind === "eof" ? "end of query" : `"${token.text}"`;
    throw new TraceQLError(`unexpected ${found}`, token.pos, expected);
  }

  /** Runs `parse`; on a TraceQLError the cursor goes back and the error is returned instead. */
  attempt<T>(parse: () => T): T | TraceQLError {
    const saved = this.index;
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof TraceQLError)) throw err;
      this.index = saved;
      return err;
    }
  }
}
