/**
 * Line filters: compiled to predicates over a line, and split into the hints a LogSource
 * applies (source.ts) and what the evaluator keeps. Only filters before every other stage
 * may go to the source: after a parser or line_format the line or the labels differ.
 */
import type { LineFilter, LineFilterTerm, Stage } from "./ast.ts";
import { addressCandidates, compileIpPattern } from "./ip.ts";
import { compilePattern, testPattern } from "./pattern.ts";
import { compileRE2 } from "./re2.ts";
import type { LineFilterHint } from "./source.ts";

export type LinePredicate = (line: string) => boolean;

function termPredicate(op: LineFilter["op"], t: LineFilterTerm): LinePredicate {
  if (t.ip) {
    const matches = compileIpPattern(t.value);
    return (line) => addressCandidates(line).some(matches);
  }
  switch (op) {
    case "|=":
    case "!=":
      return (line) => line.includes(t.value);
    case "|~":
    case "!~": {
      const re = compileRE2(t.value, false);
      return (line) => re.test(line);
    }
    case "|>":
    case "!>": {
      const p = compilePattern(t.value, false);
      return (line) => testPattern(p, line);
    }
  }
}

/** A filter's test: a positive one keeps a line any term matches, a negative one a line none does. */
export function compileLineFilter(f: LineFilter): LinePredicate {
  const terms = [{ value: f.value, ip: f.ip }, ...(f.or ?? [])].map((t) => termPredicate(f.op, t));
  const negative = f.op === "!=" || f.op === "!~" || f.op === "!>";
  const any = terms.length === 1 ? terms[0]! : (line: string) => terms.some((t) => t(line));
  return negative ? (line) => !any(line) : any;
}

const compiledHints = new WeakMap<readonly LineFilterHint[], LinePredicate[]>();

/** Whether `line` passes every hinted filter: for sources that cannot push the hints down. */
export function matchesLineFilters(line: string, filters: readonly LineFilterHint[]): boolean {
  let predicates = compiledHints.get(filters);
  if (!predicates) {
    predicates = filters.map((f) => compileLineFilter({ op: f.op, value: f.value, pos: 0 }));
    compiledHints.set(filters, predicates);
  }
  for (const p of predicates) if (!p(line)) return false;
  return true;
}

/**
 * The plain line filters (one term, not ip(), not a pattern) among those that precede every
 * other stage — what a source is asked to apply — and the stages left to the evaluator.
 */
export function splitLineFilterHints(pipeline: readonly Stage[]): { hints: LineFilterHint[]; rest: Stage[] } {
  const hints: LineFilterHint[] = [];
  const rest: Stage[] = [];
  let leading = true;
  for (const s of pipeline) {
    if (s.kind !== "line_filter") leading = false;
    if (leading && s.kind === "line_filter" && !s.ip && !(s.or && s.or.length > 0) && s.op !== "|>" && s.op !== "!>") {
      hints.push({ op: s.op, value: s.value });
    } else rest.push(s);
  }
  return { hints, rest };
}
