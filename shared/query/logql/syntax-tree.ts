/**
 * Reading Grafana's lezer LogQL tree: children, text, string literals, and a converter's
 * error reporting. The conversion itself lives in parse-log.ts and parser.ts.
 */
import type { SyntaxNode } from "@lezer/common";
import { LogQLError } from "./errors.ts";
import { compileRE2, RegexError } from "./re2.ts";
import { unquoteString } from "./strings.ts";

export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** Text inserted into the parsed query at `at` (of the parsed text), `length` characters long. */
export interface Insertion {
  at: number;
  length: number;
}

export class TreeReader {
  /**
   * `query` is the text the tree was parsed from; `insertions` what was added to the user's
   * text to get it (an empty selector's placeholder), so positions can be given in the
   * user's text.
   */
  constructor(
    readonly query: string,
    private readonly insertions: readonly Insertion[] = [],
    /** Offsets blanked out of the text before parsing (parser.ts), by where their range ends. */
    readonly movedOffsets: ReadonlyMap<number, string> = new Map(),
  ) {}

  text(n: SyntaxNode): string {
    return this.query.slice(n.from, n.to);
  }

  /** A position of the parsed text in the user's text. */
  pos(at: number | SyntaxNode): number {
    let p = typeof at === "number" ? at : at.from;
    let shift = 0;
    for (const ins of this.insertions) if (p >= ins.at + ins.length) shift += ins.length;
    else if (p > ins.at) p = ins.at;
    return p - shift;
  }

  fail(at: number | SyntaxNode, problem: string, expected = ""): never {
    throw new LogQLError(problem, this.pos(at), expected);
  }

  /** The named child, which the grammar guarantees once the tree has no error node. */
  child(n: SyntaxNode, name: string): SyntaxNode {
    const c = n.getChild(name);
    if (!c) this.fail(n, `${n.name} without ${name}`, name);
    return c;
  }

  string(n: SyntaxNode): string {
    const value = unquoteString(this.text(n));
    if (value === undefined) this.fail(n, `invalid string literal ${this.text(n)}`, "a string with valid escapes");
    return value;
  }

  /** A regex literal, checked as RE2 would check it (re2.ts). */
  regex(n: SyntaxNode, anchored: boolean): string {
    const value = this.string(n);
    try {
      compileRE2(value, anchored);
    } catch (err) {
      if (err instanceof RegexError) this.fail(n, `invalid regex ${JSON.stringify(value)}: ${err.message}`);
      throw err;
    }
    return value;
  }
}
