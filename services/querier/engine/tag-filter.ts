/**
 * `q` on Tempo's tag endpoints (`/api/v2/search/tags`, `/api/v2/search/tag/{tag}/values`):
 * a TraceQL query narrowing the tags / values to those of spans that match it. Tempo's
 * semantics (pkg/traceql lenient_parser.go, lenient_extract.go):
 * - autocomplete sends half-typed queries: a matcher with no value (`{ .a = "x" && name = }`)
 *   is dropped (Tempo replaces it with `true`), unclosed braces are closed;
 * - only a query that is one spanset filter narrows (`{A} && {B}`, structural operators:
 *   no filter); a match-all branch of `||` makes the whole filter match everything;
 * - a query that still does not parse narrows nothing (never an error).
 * Trace-level intrinsics (rootServiceName, rootName) cannot be decided per span and are
 * relaxed to true, as in the search's candidate pass.
 */
import { parseTraceQL } from "../../../shared/query/traceql/index.ts";
import { compileSpanset, filterSql } from "./traceql-sql.ts";

const MATCH_ALL = "TRUE";
/** Stands for a dropped matcher while the text is cleaned. */
const HOLE = "\u0001";
const OPERATOR = String.raw`(?:=~|!~|!=|>=|<=|=|>|<)`;
/** An attribute or intrinsic (scoped, unscoped, quoted), an operator, then nothing: `}`, `)`, `&&`, `||` or the end. */
const INCOMPLETE = new RegExp(String.raw`(?:\.|\b)[A-Za-z_][\w.:-]*(?:\."[^"]*")?\s*${OPERATOR}\s*(?=\}|\)|&&|\|\||$)`, "g");

/** SQL predicate over a span row for `q`: TRUE when `q` narrows nothing. */
export function tagFilterSql(q: string | undefined): string {
  const query = q === undefined ? undefined : completed(q);
  if (query === undefined) return MATCH_ALL;
  let compiled;
  try {
    compiled = compileSpanset(parseTraceQL(query));
  } catch {
    return MATCH_ALL;
  }
  if (compiled.filters.length !== 1) return MATCH_ALL;
  return `(${filterSql(compiled.filters[0]!, [], { rootServiceName: null, rootName: null })})`;
}

/** `q` without its incomplete matchers; undefined when it matches everything. */
export function completed(q: string): string | undefined {
  const text = q.trim();
  if (text === "" || /^\{\s*(true\s*)?\}$/.test(text)) return undefined;
  // Matchers are looked for outside string literals only (same length: positions hold).
  const masked = text.replace(/"(?:\\.|[^"\\])*"/g, (s) => `"${"x".repeat(s.length - 2)}"`);
  let out = "";
  let last = 0;
  for (const m of masked.matchAll(INCOMPLETE)) {
    out += text.slice(last, m.index) + HOLE;
    last = m.index + m[0].length;
  }
  out += text.slice(last);
  // A dropped matcher in an AND chain is no condition; in an OR it makes the filter match-all.
  for (let before = ""; before !== out; ) {
    before = out;
    out = out.replace(new RegExp(String.raw`\s*&&\s*${HOLE}`), "").replace(new RegExp(String.raw`${HOLE}\s*&&\s*`), "");
  }
  if (out.includes(HOLE)) {
    if (/\|\|/.test(out)) return undefined;
    out = out.replace(new RegExp(String.raw`\{\s*${HOLE}\s*\}?`), "{}");
    if (out.includes(HOLE)) return undefined;
  }
  const open = (out.match(/\{/g) ?? []).length - (out.match(/\}/g) ?? []).length;
  if (open > 0) out += "}".repeat(open);
  return /^\{\s*\}$/.test(out.trim()) ? undefined : out;
}
