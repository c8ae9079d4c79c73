/**
 * Tempo search (`/api/search`): TraceQL `q` and/or legacy `tags` + min/max duration → one row
 * per matching trace, newest first. Two passes keep the expensive part small: first the ids of
 * traces having any candidate span (a filter pushed into the Parquet scan), then the full
 * per-trace evaluation (roots, spanset operators, time range) over those traces only.
 */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { DEDICATED_COLUMNS } from "../../../shared/tables/index.ts";
import { ROOT_SPAN_NOT_YET_RECEIVED, type SearchTicket } from "../../../shared/query/index.ts";
import { parseTraceQLSearch, STATUS_CODE, type SpansetExpr } from "../../../shared/query/traceql/index.ts";
import { attributeValueSql, containsScalarTextSql, scalarTextOf, type AttributeColumn } from "./attribute-sql.ts";
import { dedicatedColumn, scalarTextEqualsSql } from "./dedicated-sql.ts";
import { bigintSql, compileSpanset, entryFilters, filterSql, type ConditionContext } from "./traceql-sql.ts";

const PLAIN_SPAN_COLUMNS = [
  "trace_id", "span_id", "parent_span_id", "name", "kind", "status_code", "start_time_unix_nano",
  "end_time_unix_nano", "duration_nano", "service_name",
];
const ATTRIBUTE_JSON_COLUMNS = ["attributes", "resource_attributes"];
/** Where a span is (source-view.ts `locate`): the lean pass hands them to search-span-sets.ts. */
const LOCATION_COLUMNS = ["_file", "_row"];
/**
 * The span attribute JSON is most of a span's bytes; resource attributes are a handful of
 * distinct values per file (dictionary-encoded), cheap enough to read in a lean pass.
 */
const USES_SPAN_ATTRIBUTE_JSON = /\battributes\b/;
const USES_RESOURCE_ATTRIBUTE_JSON = /\bresource_attributes\b/;

const CANDIDATE_PASS: ConditionContext = { rootServiceName: null, rootName: null, relaxed: true };
const FULL_PASS: ConditionContext = { rootServiceName: "_root_service", rootName: "_root_name", relaxed: false };

/** The query, the legacy conditions as SQL, and the relaxed candidate predicates (one per entry filter). */
export function compileSearch(ticket: SearchTicket) {
  const expr: SpansetExpr =
    ticket.q !== undefined && ticket.q.trim() !== "" ? parseTraceQLSearch(ticket.q) : { type: "filter", expr: { type: "bool", value: true, pos: 0 }, pos: 0 };
  const extra = legacyConditions(ticket);
  const entry = entryFilters(expr);
  const candidate = (entry ?? [null]).map((f) => `(${filterSql(f, extra, CANDIDATE_PASS)})`);
  return { expr, extra, candidate };
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
 * True when no predicate of the search reads the span attribute JSON (only plain, dedicated
 * and resource attribute columns): then the per-trace evaluation can skip it, and it is
 * fetched afterwards for the few spans that go into `span_sets` (search-span-sets.ts).
 */
export function searchIsLean(ticket: SearchTicket): boolean {
  const { expr, extra } = compileSearch(ticket);
  const compiled = compileSpanset(expr);
  return compiled.filters.every((f) => !USES_SPAN_ATTRIBUTE_JSON.test(filterSql(f, extra, FULL_PASS)));
}

/**
 * The search answer. With `traceIds`, only those traces are evaluated (all their spans, in
 * every source): the caller took them from searchCandidatesSql and checks that nothing older
 * could have made the top `limit` (search-plan.ts).
 */
export function searchSql(ticket: SearchTicket, view: string, traceIds?: readonly string[], options: { lean?: boolean } = {}): string {
  const { expr, extra, candidate } = compileSearch(ticket);
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

  const lean = options.lean === true;
  // Lean: only the dedicated columns the filters use (for older files the view computes them
  // from the JSON, so an unused one is not free), and the resource attributes only when a
  // filter reads them.
  const spanColumns = lean
    ? [
        ...PLAIN_SPAN_COLUMNS,
        ...DEDICATED_COLUMNS.filter((c) => flags.some((f) => f.includes(quoteIdent(c)))),
        ...(flags.some((f) => USES_RESOURCE_ATTRIBUTE_JSON.test(f)) ? ["resource_attributes"] : []),
        ...LOCATION_COLUMNS,
      ]
    : [...PLAIN_SPAN_COLUMNS, ...DEDICATED_COLUMNS, ...ATTRIBUTE_JSON_COLUMNS];
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
       ${lean ? leanSpanSets(ticket.spss) : fullSpanSets(spanJson, ticket.spss)}
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

/** Lean pass: which spans go into `span_sets` (ids, starts and locations, in order) and the matched count. */
function leanSpanSets(spss: number): string {
  const picked = (column: string) =>
    `coalesce(list(${column} ORDER BY start_time_unix_nano, span_id) FILTER (WHERE _rn <= ${spss}), [])`;
  return (
    `count(*) AS matched, ${picked("span_id")} AS span_ids, ${picked("start_time_unix_nano")} AS span_starts, ` +
    `${picked("_file")} AS span_files, ${picked("_row")} AS span_rows`
  );
}

/** `tags` (span or resource attribute, compared as text; `name`, `status`, `service.name` special) and min/max span duration. */
function legacyConditions(ticket: SearchTicket): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(ticket.tags ?? {})) out.push(tagSql(key, value));
  if (ticket.minDurationNs !== undefined) out.push(`duration_nano >= ${bigintSql(BigInt(ticket.minDurationNs))}`);
  if (ticket.maxDurationNs !== undefined) out.push(`duration_nano <= ${bigintSql(BigInt(ticket.maxDurationNs))}`);
  return out;
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
