/**
 * Label matchers as Prometheus applies them: a missing label has the value "", regexes are
 * anchored at both ends. JavaScript regexes stand in for RE2: the syntax Prometheus users
 * write (classes, alternations, `.*`, `(?i)`) means the same in both.
 */
import type { LabelMatcher, Labels } from "../types.ts";

export type LabelTest = (value: string) => boolean;

export class MatcherError extends Error {
  override readonly name = "MatcherError";
}

export function labelTest(m: LabelMatcher): LabelTest {
  switch (m.op) {
    case "=":
      return (v) => v === m.value;
    case "!=":
      return (v) => v !== m.value;
    case "=~": {
      const re = anchored(m.value);
      return (v) => re.test(v);
    }
    case "!~": {
      const re = anchored(m.value);
      return (v) => !re.test(v);
    }
  }
}

function anchored(source: string): RegExp {
  let flags = "s";
  let body = source;
  if (body.startsWith("(?i)")) {
    flags += "i";
    body = body.slice(4);
  }
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch (err) {
    throw new MatcherError(`invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`);
  }
}

/** A test of a whole label set against every matcher. */
export function labelsTest(matchers: readonly LabelMatcher[]): (labels: Labels) => boolean {
  const tests = matchers.map((m) => [m.name, labelTest(m)] as const);
  return (labels) => tests.every(([name, test]) => test(labels[name] ?? ""));
}
