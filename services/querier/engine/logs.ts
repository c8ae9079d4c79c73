/**
 * Loki-compatible log queries over the `logs` table: `query_range` with a LogQL subset
 * (stream selector + line filters), label names and label values. Stream labels: see
 * log-streams.ts. Matchers follow Loki: a missing label equals "", regexes are fully anchored
 * for label matchers and unanchored for line filters.
 */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import type { LogsTicket } from "../../../shared/query/index.ts";
import { LogQLError, parseLogQL, splitLineFilterHints, type LabelMatcher, type LineFilterHint } from "../../../shared/query/logql/index.ts";
import { LOG_LINE_SQL, LOG_TIME_SQL, labelValueSql } from "./log-streams.ts";
import { bigintSql } from "./traceql-sql.ts";

/** Loki's range: start inclusive, end exclusive. */
function timeRangeSql(ticket: { startNs?: string; endNs?: string }): string[] {
  const parts: string[] = [];
  if (ticket.startNs !== undefined) parts.push(`(${LOG_TIME_SQL}) >= ${bigintSql(BigInt(ticket.startNs))}`);
  if (ticket.endNs !== undefined) parts.push(`(${LOG_TIME_SQL}) < ${bigintSql(BigInt(ticket.endNs))}`);
  return parts;
}

function matcherSql(m: LabelMatcher): string {
  const value = `coalesce(${labelValueSql(m.name)}, '')`;
  const lit = quoteLiteral(m.value);
  switch (m.op) {
    case "=":
      return `(${value} = ${lit})`;
    case "!=":
      return `(${value} <> ${lit})`;
    case "=~":
      return `regexp_full_match(${value}, ${lit})`;
    case "!~":
      return `(NOT regexp_full_match(${value}, ${lit}))`;
  }
}

function lineFilterSql(f: LineFilterHint, line: string): string {
  const lit = quoteLiteral(f.value);
  switch (f.op) {
    case "|=":
      return `contains(${line}, ${lit})`;
    case "!=":
      return `(NOT contains(${line}, ${lit}))`;
    case "|~":
      return `regexp_matches(${line}, ${lit})`;
    case "!~":
      return `(NOT regexp_matches(${line}, ${lit}))`;
  }
}

/** Columns: service_name, severity_text, resource_attributes (for labels in JS), time, line. */
export function logsSql(ticket: LogsTicket, view: string): string {
  const query = parseLogQL(ticket.query);
  // This SQL path serves a selector and plain line filters; the LogQL evaluator serves the rest.
  if (query.kind !== "log") throw new LogQLError("metric queries are not served by this endpoint", 0);
  const { hints, rest } = splitLineFilterHints(query.pipeline);
  if (rest.length > 0) throw new LogQLError("pipeline stages other than plain line filters are not served by this endpoint", rest[0]!.pos);
  const where = [
    ...timeRangeSql(ticket),
    ...query.matchers.map(matcherSql),
  ];
  const lineWhere = hints.map((f) => lineFilterSql(f, "_line"));
  return `
SELECT service_name, severity_text, resource_attributes, _time, _line FROM (
  SELECT service_name, severity_text, resource_attributes, ${LOG_TIME_SQL} AS _time, ${LOG_LINE_SQL} AS _line
  FROM ${quoteIdent(view)} WHERE ${where.length ? where.join(" AND ") : "TRUE"}
) WHERE ${lineWhere.length ? lineWhere.join(" AND ") : "TRUE"}
ORDER BY _time ${ticket.direction === "forward" ? "ASC" : "DESC"}
LIMIT ${ticket.limit}`;
}
