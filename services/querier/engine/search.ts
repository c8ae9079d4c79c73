/**
 * Tempo search (`/api/search`): TraceQL `q` and/or legacy `tags` + min/max duration → one row
 * per matching trace, newest first. This module is the SQL side: the relaxed per-span
 * candidate predicate pushed into the Parquet scan and the per-span duration conditions; the
 * spansets are evaluated in JS (search-plan.ts, traceql/).
 */
import { quoteIdent } from "../../../shared/duckdb/index.ts";
import type { SearchTicket } from "../../../shared/query/index.ts";
import { parseTraceQLSearch, type SpansetExpr } from "../../../shared/query/traceql/index.ts";
import { bigintSql, entryFilters, filterSql } from "./traceql-sql.ts";
import { isLegacySearch, legacyCandidateSql } from "./traceql/legacy-search.ts";

/**
 * The query, the per-span conditions ANDed into its filters (min/max duration beside `q`),
 * the relaxed candidate predicates (one per entry filter), and whether this is Tempo's
 * search without `q` (tags, min/max duration: traceql/legacy-search.ts).
 */
export function compileSearch(ticket: SearchTicket) {
  const hasQuery = ticket.q !== undefined && ticket.q.trim() !== "";
  const expr: SpansetExpr = hasQuery ? parseTraceQLSearch(ticket.q!) : { type: "filter", expr: { type: "bool", value: true, pos: 0 }, pos: 0 };
  const legacy = isLegacySearch(ticket);
  const extra = hasQuery ? durationConditions(ticket) : [];
  const entry = entryFilters(expr);
  const candidate = legacy ? [`(${legacyCandidateSql(ticket)})`] : (entry ?? [null]).map((f) => `(${filterSql(f, extra)})`);
  return { expr, extra, candidate, legacy };
}

/** The ids of every trace with a candidate span (the plan's last resort). */
export function candidateTracesSql(ticket: SearchTicket, view: string): string {
  const { candidate } = compileSearch(ticket);
  return `SELECT DISTINCT trace_id FROM ${quoteIdent(view)} WHERE ${candidate.join(" OR ")}`;
}

/**
 * The newest `k` spans of relation `from` (SQL after FROM) that may belong to a matching trace
 * (`trace_id`, `start_time_unix_nano`), newest first. DuckDB's top-N pushes a rising start-time bound into the Parquet scan, so with
 * the files listed newest first the older row groups are skipped once k spans are found.
 */
export function searchCandidatesSql(ticket: SearchTicket, from: string, k: number): string {
  // No time-range filter here: a trace in range may match through a span that starts after
  // the range's end (the range applies to the trace as a whole).
  const { candidate } = compileSearch(ticket);
  return (
    `SELECT trace_id, start_time_unix_nano FROM ${from} ` +
    `WHERE ${candidate.join(" OR ")} ORDER BY start_time_unix_nano DESC LIMIT ${k}`
  );
}

/** min/max duration beside `q`: per span, like writing them inside each `{ }`. */
function durationConditions(ticket: SearchTicket): string[] {
  const out: string[] = [];
  if (ticket.minDurationNs !== undefined) out.push(`duration_nano >= ${bigintSql(BigInt(ticket.minDurationNs))}`);
  if (ticket.maxDurationNs !== undefined) out.push(`duration_nano <= ${bigintSql(BigInt(ticket.maxDurationNs))}`);
  return out;
}
