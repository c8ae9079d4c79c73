/**
 * The spans a metrics query observes, as a SQL subquery over the source view, when its
 * spanset is one filter SQL says exactly (exact-filter.ts): the filter's spans whose start
 * lies in the window (start, end] — Tempo counts a span in the interval of its start. With
 * `needTrace` (root fields or trace duration are read) the spans carry their trace's root
 * service and name and duration, over the traces that have a matched span. Everything else
 * goes to the TraceQL evaluator (evaluated-spans.ts).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent } from "../../../../shared/duckdb/index.ts";
import type { traceqlMetrics } from "../../../../shared/query/index.ts";
import type { FieldExpr, SpansetExpr } from "../../../../shared/query/traceql/index.ts";
import { bigintSql } from "../traceql-sql.ts";
import { exactFilter, type ExactFilter } from "./exact-filter.ts";
import { TRACE_COLUMNS } from "./span-values.ts";

export function windowSql(window: traceqlMetrics.MetricsWindow): string {
  return `start_time_unix_nano > ${bigintSql(window.startNs)} AND start_time_unix_nano <= ${bigintSql(window.endNs)}`;
}

/**
 * The exact SQL of a one-filter spanset, or null: also null when a span in the window holds
 * an array value under a key the filter compares (arrays match element-wise, in the evaluator).
 */
export async function sqlFilterOf(connection: DuckDBConnection, view: string, spanset: SpansetExpr, window: traceqlMetrics.MetricsWindow): Promise<string | null> {
  return spanset.type === "filter" ? exactSqlOf(connection, view, spanset.expr, window) : null;
}

export async function exactSqlOf(connection: DuckDBConnection, view: string, expr: FieldExpr, window: traceqlMetrics.MetricsWindow): Promise<string | null> {
  const filter: ExactFilter | null = exactFilter(expr);
  if (filter === null) return null;
  if (filter.arrayGuards.length > 0) {
    const arrays = await connection.runAndReadAll(`SELECT 1 FROM ${quoteIdent(view)} WHERE ${windowSql(window)} AND (${filter.arrayGuards.join(" OR ")}) LIMIT 1`);
    if (arrays.currentRowCount > 0) return null;
  }
  return filter.sql;
}

/** `SELECT ... FROM` text of the matched spans: every column of the view (plus the trace columns). */
export function matchedSpansSql(view: string, filter: string, window: traceqlMetrics.MetricsWindow, needTrace: boolean): string {
  const src = quoteIdent(view);
  if (!needTrace) return `(SELECT * FROM ${src} WHERE ${windowSql(window)} AND ${filter})`;
  const t = TRACE_COLUMNS;
  return `(
  WITH spans AS (SELECT * FROM ${src} WHERE trace_id IN (SELECT DISTINCT trace_id FROM ${src} WHERE ${windowSql(window)} AND ${filter})),
  roots AS (
    SELECT trace_id, arg_min(service_name, start_time_unix_nano) AS ${t.rootServiceName}, arg_min(name, start_time_unix_nano) AS ${t.rootName}
    FROM spans WHERE parent_span_id = '' GROUP BY trace_id
  ),
  durations AS (SELECT trace_id, max(end_time_unix_nano) - min(start_time_unix_nano) AS ${t.traceDuration} FROM spans GROUP BY trace_id)
  SELECT s.*, r.${t.rootServiceName}, r.${t.rootName}, d.${t.traceDuration}
  FROM spans s LEFT JOIN roots r USING (trace_id) JOIN durations d USING (trace_id)
  WHERE ${windowSql(window).replaceAll("start_time_unix_nano", "s.start_time_unix_nano")} AND ${filter}
)`;
}
