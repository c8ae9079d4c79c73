/**
 * Tempo search (`/api/search`): TraceQL `q` and/or legacy `tags` + min/max duration → one row
 * per matching trace, newest first. This module is the SQL side: the relaxed per-span
 * candidate predicate pushed into the Parquet scan, the legacy conditions, and the SQL
 * ceiling of the old subset; the spansets are evaluated in JS (search-plan.ts, traceql/).
 */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { DEDICATED_COLUMNS } from "../../../shared/tables/index.ts";
import { ROOT_SPAN_NOT_YET_RECEIVED, type SearchTicket } from "../../../shared/query/index.ts";
import { parseTraceQLSearch, STATUS_CODE, type SpansetExpr } from "../../../shared/query/traceql/index.ts";
import { attributeValueSql, containsScalarTextSql, scalarTextOf, type AttributeColumn } from "./attribute-sql.ts";
import { dedicatedColumn, scalarTextEqualsSql } from "./dedicated-sql.ts";
import { bigintSql, compileSpanset, entryFilters, filterSql, type ConditionContext } from "./traceql-sql.ts";
import { isLegacySearch, legacyCandidateSql } from "./traceql/legacy-search.ts";

const PLAIN_SPAN_COLUMNS = [
  "trace_id", "span_id", "parent_span_id", "name", "kind", "status_code", "start_time_unix_nano",
  "end_time_unix_nano", "duration_nano", "service_name",
];
const ATTRIBUTE_JSON_COLUMNS = ["attributes", "resource_attributes"];

const CANDIDATE_PASS: ConditionContext = { rootServiceName: null, rootName: null, relaxed: true };
const FULL_PASS: ConditionContext = { rootServiceName: "_root_service", rootName: "_root_name", relaxed: false };

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
  const candidate = legacy ? [`(${legacyCandidateSql(ticket)})`] : (entry ?? [null]).map((f) => `(${filterSql(f, extra, CANDIDATE_PASS)})`);
  return { expr, extra, candidate, legacy };
}

/** The ids of every trace with a candidate span (the plan's last resort). */
export function candidateTracesSql(ticket: SearchTicket, view: string): string {
  const { candidate } = compileSearch(ticket);
  return `SELECT DISTINCT trace_id FROM ${quoteIdent(view)} WHERE ${candidate.join(" OR ")}`;
}

/**
 * The newest `k` spans that may belong to a matching trace (`trace_id`, `start_time_unix_nano`),
 * newest first. DuckDB's top-N pushes a rising start-time bound into the Parquet scan, so with
 * the files listed newest first the older row groups are skipped once k spans are found.
 */
export function searchCandidatesSql(ticket: SearchTicket, view: string, k: number): string {
  // No time-range filter here: a trace in range may match through a span that starts after
  // the range's end (the range applies to the trace as a whole).
  const { candidate } = compileSearch(ticket);
  return (
    `SELECT trace_id, start_time_unix_nano FROM ${quoteIdent(view)} ` +
    `WHERE ${candidate.join(" OR ")} ORDER BY start_time_unix_nano DESC LIMIT ${k}`
  );
}

/**
 * The `&&` / `||` subset of search as one SQL statement: the query benchmark's DuckDB ceiling
 * (built-in-sql.ts). The querier itself evaluates every query in JS over the candidate
 * traces (search-plan.ts, traceql/); a query outside the subset is a 400 here.
 */
export function searchSql(ticket: SearchTicket, view: string, traceIds?: readonly string[]): string {
  const { expr, candidate } = compileSearch(ticket);
  const extra = legacyConditions(ticket);
  const compiled = compileSpanset(expr);
  const flags = compiled.filters.map((f, i) => `(${filterSql(f, extra, FULL_PASS)}) AS _m${i}`);
  const traceFlags = compiled.filters.map((_, i) => `bool_or(_m${i}) AS _t${i}`);
  const hitFlags = compiled.filters.map((_, i) => `h._t${i}`);
  const src = quoteIdent(view);
  const everyTrace = candidate.every((c) => c === "(TRUE)");
  const timeRange = [
    ticket.endNs !== undefined ? `_start <= ${bigintSql(BigInt(ticket.endNs))}` : null,
    ticket.startNs !== undefined ? `_end >= ${bigintSql(BigInt(ticket.startNs))}` : null,
  ].filter((x) => x !== null);

  const spanColumns = [...PLAIN_SPAN_COLUMNS, ...DEDICATED_COLUMNS, ...ATTRIBUTE_JSON_COLUMNS];
  const spanJson =
    "json_object('spanID', span_id, 'name', name, " +
    "'startTimeUnixNano', CAST(start_time_unix_nano AS VARCHAR), 'durationNanos', CAST(duration_nano AS VARCHAR), " +
    "'attributes', CAST(coalesce(NULLIF(attributes, ''), '[]') AS JSON))";

  const spansWhere =
    traceIds !== undefined
      ? `WHERE trace_id IN (${traceIds.length ? traceIds.map(quoteLiteral).join(", ") : "NULL"})`
      : everyTrace
        ? ""
        : `WHERE trace_id IN (SELECT DISTINCT trace_id FROM ${src} WHERE ${candidate.join(" OR ")})`;

  return `
WITH spans AS (
  SELECT ${spanColumns.join(", ")} FROM ${src} ${spansWhere}
),
roots AS (
  SELECT trace_id, arg_min(service_name, start_time_unix_nano) AS _root_service,
         arg_min(name, start_time_unix_nano) AS _root_name
  FROM spans WHERE parent_span_id = '' GROUP BY trace_id
),
flagged AS (
  SELECT s.*, r._root_service, r._root_name, ${flags.join(", ")}
  FROM spans s LEFT JOIN roots r USING (trace_id)
),
traces AS (
  SELECT trace_id, min(start_time_unix_nano) AS _start, max(end_time_unix_nano) AS _end, ${traceFlags.join(", ")}
  FROM flagged GROUP BY trace_id
),
hits AS (
  SELECT * FROM traces WHERE ${[compiled.traceMatch, ...timeRange].join(" AND ")}
  ORDER BY _start DESC, trace_id LIMIT ${ticket.limit}
),
chosen AS (
  SELECT f.*, h._start AS _trace_start, h._end AS _trace_end, ${hitFlags.join(", ")},
         row_number() OVER (PARTITION BY f.trace_id ORDER BY f.start_time_unix_nano, f.span_id) AS _rn
  FROM flagged f JOIN hits h USING (trace_id)
  WHERE ${compiled.spanMatch}
)
SELECT trace_id,
       coalesce(any_value(_root_service), ${quoteLiteral(ROOT_SPAN_NOT_YET_RECEIVED)}) AS root_service_name,
       coalesce(any_value(_root_name), '') AS root_trace_name,
       any_value(_trace_start) AS start_time_unix_nano,
       any_value(_trace_end) - any_value(_trace_start) AS duration_nano,
       ${fullSpanSets(spanJson, ticket.spss)}
FROM chosen
GROUP BY trace_id
ORDER BY start_time_unix_nano DESC, trace_id`;
}

function fullSpanSets(spanJson: string, spss: number): string {
  return `CAST(json_array(json_object(
         'spans', coalesce(to_json(list(${spanJson} ORDER BY start_time_unix_nano, span_id) FILTER (WHERE _rn <= ${spss})), '[]'),
         'matched', count(*)
       )) AS VARCHAR) AS span_sets`;
}

/** min/max duration beside `q`: per span, like writing them inside each `{ }`. */
function durationConditions(ticket: SearchTicket): string[] {
  const out: string[] = [];
  if (ticket.minDurationNs !== undefined) out.push(`duration_nano >= ${bigintSql(BigInt(ticket.minDurationNs))}`);
  if (ticket.maxDurationNs !== undefined) out.push(`duration_nano <= ${bigintSql(BigInt(ticket.maxDurationNs))}`);
  return out;
}

/** The SQL ceiling's approximation of the search without `q`: every tag on one span, as text. */
function legacyConditions(ticket: SearchTicket): string[] {
  return [...Object.entries(ticket.tags ?? {}).map(([key, value]) => tagSql(key, value)), ...durationConditions(ticket)];
}

const STATUS_ALIASES: Record<string, number> = {
  ...STATUS_CODE,
  status_code_unset: 0, status_code_ok: 1, status_code_error: 2, "0": 0, "1": 1, "2": 2,
};

function tagSql(key: string, value: string): string {
  const lit = quoteLiteral(value);
  if (key === "name") return `(name = ${lit})`;
  if (key === "status" || key === "status.code") {
    const code = STATUS_ALIASES[value.toLowerCase()];
    return code === undefined ? "FALSE" : `(status_code = ${code})`;
  }
  // A dedicated column when the key has one (no JSON at all); otherwise the whole KeyValue
  // text must occur in the column: a cheap, selective guard before parsing the JSON.
  const textEquals = (column: AttributeColumn) => {
    const dedicated = dedicatedColumn(column, key);
    if (dedicated !== undefined) return scalarTextEqualsSql(dedicated, value);
    return `(${containsScalarTextSql(column, key, value)} AND ${scalarTextOf(attributeValueSql(column, key))} = ${lit})`;
  };
  if (key === "service.name") return `(service_name = ${lit} OR ${textEquals("attributes")})`;
  return `(${textEquals("attributes")} OR ${textEquals("resource_attributes")})`;
}
