/**
 * Loki's guard against queries that select every stream: a selector needs at least one `=`
 * or `=~` matcher that the empty string does not satisfy (`{}`, `{a!="x"}`, `{a=~".*"}` are
 * refused, `{a=~".+"}` is fine). The HTTP API applies it as Loki does, with Loki's words;
 * the engine itself still runs any selector (internal callers may scan everything).
 */
import { QueryError } from "../errors.ts";
import type { LabelMatcher } from "./ast.ts";

export const EMPTY_COMPATIBLE_SELECTOR =
  'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will';

/** Throws a 400 QueryError when no matcher narrows the selector. */
export function requireNarrowingMatcher(matchers: readonly LabelMatcher[]): void {
  if (!matchers.some(narrows)) throw QueryError.invalid(EMPTY_COMPATIBLE_SELECTOR);
}

function narrows(m: LabelMatcher): boolean {
  if (m.op === "=") return m.value !== "";
  if (m.op === "=~") return !regexMatchesEmpty(m.value);
  return false;
}

/**
 * Does the fully anchored regex match ""? LogQL regexes are RE2; JavaScript reads the
 * common subset the same way. One JavaScript cannot compile is left to the engine (RE2
 * judges it), i.e. counted as narrowing here.
 */
function regexMatchesEmpty(source: string): boolean {
  try {
    return new RegExp(`^(?:${source})$`, "u").test("");
  } catch {
    return false;
  }
}
