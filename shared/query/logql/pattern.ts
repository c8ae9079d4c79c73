/**
 * Loki's pattern expressions (`| pattern "<ip> - <_> [<ts>] <msg>"`, `|> "<_> error <_>"`):
 * literals and captures `<name>` (`<_>` captures nothing). Matching walks left to right, each
 * capture taking the text up to the next literal's first occurrence, as Loki's matcher does.
 */
export class PatternError extends Error {}

type Node = { literal: string } | { capture: string };

export interface CompiledPattern {
  nodes: Node[];
  /** Named captures in order. */
  names: string[];
}

const CAPTURE = /^<([A-Za-z_][A-Za-z0-9_]*)>/;

/** `forParser`: the parser stage needs a named capture; a line filter (`|>`) allows none. */
export function compilePattern(text: string, forParser: boolean): CompiledPattern {
  const nodes: Node[] = [];
  let literal = "";
  for (let i = 0; i < text.length; ) {
    const m = CAPTURE.exec(text.slice(i));
    if (m) {
      if (literal) nodes.push({ literal });
      literal = "";
      nodes.push({ capture: m[1]! });
      i += m[0].length;
    } else literal += text[i++];
  }
  if (literal) nodes.push({ literal });
  const names: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (!("capture" in n)) continue;
    const next = nodes[i + 1];
    if (next && "capture" in next) throw new PatternError(`found consecutive capture '<${n.capture}><${next.capture}>': invalid expression`);
    if (n.capture === "_") continue;
    if (!forParser) throw new PatternError(`named captures are not allowed: found '<${n.capture}>'`);
    if (names.includes(n.capture)) throw new PatternError(`duplicate capture name (${n.capture}): invalid expression`);
    names.push(n.capture);
  }
  if (forParser && names.length === 0) throw new PatternError("at least one capture is required");
  return { nodes, names };
}

/** The named captures' values for `line`, or undefined when the line does not start right. */
export function matchPattern(p: CompiledPattern, line: string): string[] | undefined {
  if (line === "" || p.nodes.length === 0) return undefined;
  let nodes = p.nodes;
  let rest = line;
  const out: string[] = [];
  const first = nodes[0]!;
  if ("literal" in first) {
    if (!rest.startsWith(first.literal)) return undefined;
    rest = rest.slice(first.literal.length);
    nodes = nodes.slice(1);
  }
  if (nodes.length === 0) return undefined;
  for (let i = 0; i < nodes.length; i += 2) {
    const capture = (nodes[i] as { capture: string }).capture;
    const next = nodes[i + 1] as { literal: string } | undefined;
    if (!next) {
      if (capture !== "_") out.push(rest);
      return out;
    }
    const at = rest.indexOf(next.literal);
    if (at < 0) {
      if (capture !== "_") out.push(rest);
      return out;
    }
    if (capture !== "_") out.push(rest.slice(0, at));
    rest = rest.slice(at + next.literal.length);
  }
  return out;
}

/** The `|>` line filter test: literals in order, every `<_>` non-empty, the end as the pattern ends. */
export function testPattern(p: CompiledPattern, line: string): boolean {
  if (line === "" || p.nodes.length === 0) return line === "" && p.nodes.length === 0;
  let off = 0;
  for (let i = 0; i < p.nodes.length; i++) {
    const n = p.nodes[i]!;
    if (!("literal" in n)) continue;
    const j = line.indexOf(n.literal, off);
    if (j < 0) return false;
    if (i !== 0 && j === off) return false;
    off = j + n.literal.length;
  }
  const endsOnCapture = "capture" in p.nodes[p.nodes.length - 1]!;
  return endsOnCapture === (off !== line.length);
}
