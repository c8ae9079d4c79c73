/**
 * `q` on Tempo's tag endpoints (`/api/v2/search/tags`, `/api/v2/search/tag/{tag}/values`):
 * a TraceQL query narrowing the tags / values to those of spans that match it. Tempo's
 * semantics (pkg/traceql lenient_parser.go, lenient_extract.go):
 * - autocomplete sends half-typed queries: a matcher with no value (`{ .a = "x" && name = }`)
 *   becomes `true` and unclosed braces are closed, then the query is parsed again;
 * - the first stage's spanset filter narrows (`{A} && {B}`, structural operators: nothing);
 *   a `true` branch of `||` makes it match everything, in an `&&` chain it adds nothing;
 * - a query that still does not parse narrows nothing (never an error).
 * Trace-level intrinsics (rootServiceName, rootName) cannot be decided per span and are
 * relaxed to true, as in the search's candidate pass.
 */
import { parseTraceQLSearch, type FieldExpr, type SpansetExpr } from "../../../shared/query/traceql/index.ts";
import { filterSql } from "./traceql-sql.ts";

const MATCH_ALL = "TRUE";
const OPERATOR = String.raw`(?:=~|!~|!=|>=|<=|=|>|<)`;
/** An attribute or intrinsic (scoped, unscoped, quoted), an operator, then nothing: `}`, `)`, `&&`, `||`, `|` or the end. */
const INCOMPLETE = new RegExp(String.raw`(?:\.|\b)[A-Za-z_][\w.:-]*(?:\."[^"]*")?\s*${OPERATOR}\s*(?=\}|\)|&&|\|\||\||$)`, "g");

/** SQL predicate over a span row for `q`: TRUE when `q` narrows nothing. */
export function tagFilterSql(q: string | undefined): string {
  const expr = q === undefined ? undefined : lenientParse(q);
  const filter = expr === undefined ? null : firstFilter(expr);
  if (filter === null || matchesEverything(filter)) return MATCH_ALL;
  // The search's candidate predicate: what SQL cannot decide per span is TRUE (a wider answer, never a narrower one).
  const sql = filterSql(filter, []);
  return sql === MATCH_ALL ? MATCH_ALL : `(${sql})`;
}

/** The query as parsed, or as parsed once its incomplete matchers are `true`; undefined when neither parses. */
function lenientParse(q: string): SpansetExpr | undefined {
  for (const text of [q, completed(q)]) {
    try {
      return parseTraceQLSearch(text);
    } catch {
      // next form, or nothing
    }
  }
  return undefined;
}

/** Tempo's findSpansetFilter: the first stage's spanset filter; none for spanset operators. */
function firstFilter(expr: SpansetExpr): FieldExpr | null {
  if (expr.type === "filter") return expr.expr;
  if (expr.type === "pipeline") {
    const first = expr.stages[0];
    return first !== undefined && (first.type === "filter" || first.type === "pipeline" || first.type === "spanset_op") ? firstFilter(first) : null;
  }
  return null;
}

/** `true`, or an OR with a `true` branch (Tempo: an OR group without conditions matches all). */
function matchesEverything(e: FieldExpr): boolean {
  if (e.type === "bool") return e.value;
  if (e.type !== "binary") return false;
  if (e.op === "||") return matchesEverything(e.left) || matchesEverything(e.right);
  if (e.op === "&&") return matchesEverything(e.left) && matchesEverything(e.right);
  return false;
}

/** `q` with every matcher that has no value replaced by `true` and unclosed braces closed (Tempo's rewrite). */
export function completed(q: string): string {
  // Matchers are looked for outside string literals only (same length: positions hold).
  const masked = q.replace(/"(?:\\.|[^"\\])*"/g, (s) => `"${"x".repeat(s.length - 2)}"`);
  let out = "";
  let last = 0;
  for (const m of masked.matchAll(INCOMPLETE)) {
    out += `${q.slice(last, m.index)}true `;
    last = m.index + m[0].length;
  }
  out += q.slice(last);
  const open = (out.match(/\{/g) ?? []).length - (out.match(/\}/g) ?? []).length;
  return open > 0 ? out + "}".repeat(open) : out;
}
