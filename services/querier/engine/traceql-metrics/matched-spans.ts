/**
 * The spans a metrics query observes, as a SQL subquery over the source view: those of the
 * spanset expression (compiled as search compiles it, traceql-sql.ts) whose start lies in the
 * window (start, end] — Tempo counts a span in the interval of its start. A single filter
 * reading only the span is a plain WHERE; spanset operators, root fields and trace duration
 * need the trace: flags per trace by window functions over the traces holding a candidate.
 * What SQL cannot say (sqlCanMatch false) goes to the TraceQL evaluator (evaluated-spans.ts).
 */
import { quoteIdent } from "../../../../shared/duckdb/index.ts";
import { QueryError, type traceqlMetrics } from "../../../../shared/query/index.ts";
import type { SpansetExpr } from "../../../../shared/query/traceql/index.ts";
import { bigintSql, compileSpanset, filterSql, type ConditionContext } from "../traceql-sql.ts";
import { TRACE_COLUMNS } from "./span-values.ts";

const CANDIDATE: ConditionContext = { rootServiceName: null, rootName: null, relaxed: true };
const FULL: ConditionContext = { rootServiceName: TRACE_COLUMNS.rootServiceName, rootName: TRACE_COLUMNS.rootName, relaxed: false };

/** True when the spanset is filters, `&&` and `||` whose conditions SQL says exactly. */
export function sqlCanMatch(spanset: SpansetExpr): boolean {
  try {
    for (const f of compileSpanset(spanset).filters) filterSql(f, [], FULL);
    return true;
  } catch (err) {
    if (err instanceof QueryError) return false;
    throw err;
  }
}

export function windowSql(window: traceqlMetrics.MetricsWindow): string {
  return `start_time_unix_nano > ${bigintSql(window.startNs)} AND start_time_unix_nano <= ${bigintSql(window.endNs)}`;
}

/**
 * `SELECT ... FROM` text of the matched spans (every column of the view, plus the trace
 * columns in the trace-aware form). `needTrace`: a stage reads root fields or trace duration.
 */
export function matchedSpansSql(view: string, spanset: SpansetExpr, window: traceqlMetrics.MetricsWindow, needTrace: boolean): string {
  const compiled = compileSpanset(spanset);
  const full = compiled.filters.map((f) => filterSql(f, [], FULL));
  const readsTrace = full.some((f) => f.includes(TRACE_COLUMNS.rootServiceName) || f.includes(TRACE_COLUMNS.rootName));
  const src = quoteIdent(view);
  if (compiled.filters.length === 1 && !readsTrace && !needTrace) {
    return `(SELECT * FROM ${src} WHERE ${windowSql(window)} AND (${full[0]}))`;
  }
  const candidate = compiled.filters.map((f) => `(${filterSql(f, [], CANDIDATE)})`);
  const everyTrace = candidate.every((c) => c === "(TRUE)");
  // Traces with a candidate span in the window; their spans anywhere (a trace's other spans decide && and roots).
  const traces = everyTrace ? "" : `WHERE trace_id IN (SELECT DISTINCT trace_id FROM ${src} WHERE ${windowSql(window)} AND (${candidate.join(" OR ")}))`;
  const flags = full.map((f, i) => `(${f}) AS _m${i}`);
  const traceFlags = compiled.filters.map((_, i) => `bool_or(_m${i}) OVER (PARTITION BY trace_id) AS _t${i}`);
  return `(
  WITH spans AS (SELECT * FROM ${src} ${traces}),
  roots AS (
    SELECT trace_id, arg_min(service_name, start_time_unix_nano) AS ${TRACE_COLUMNS.rootServiceName},
           arg_min(name, start_time_unix_nano) AS ${TRACE_COLUMNS.rootName}
    FROM spans WHERE parent_span_id = '' GROUP BY trace_id
  ),
  flagged AS (SELECT s.*, r.${TRACE_COLUMNS.rootServiceName}, r.${TRACE_COLUMNS.rootName}, ${flags.join(", ")} FROM spans s LEFT JOIN roots r USING (trace_id)),
  traced AS (
    SELECT *, ${traceFlags.join(", ")},
           max(end_time_unix_nano) OVER (PARTITION BY trace_id) - min(start_time_unix_nano) OVER (PARTITION BY trace_id) AS ${TRACE_COLUMNS.traceDuration}
    FROM flagged
  )
  SELECT * FROM traced WHERE ${windowSql(window)} AND ${compiled.traceMatch} AND ${compiled.spanMatch}
)`;
}
