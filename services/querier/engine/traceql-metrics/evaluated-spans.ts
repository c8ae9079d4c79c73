/**
 * The matched spans of spanset expressions SQL cannot say exactly (structural operators,
 * pipelines, spanset operators, arithmetic, trace-level fields...): the traces that may match are loaded and run through the TraceQL
 * evaluator (../traceql/), as search runs them, within the same span budget. The matched
 * spans land in a temporary table with their trace's root fields and duration, so the
 * metrics SQL groups them as it groups the spans of a plain filter.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent } from "../../../../shared/duckdb/index.ts";
import type { traceqlMetrics } from "../../../../shared/query/index.ts";
import type { SpansetExpr } from "../../../../shared/query/traceql/index.ts";
import { rowObjects } from "../row-objects.ts";
import { tooManySpans, traceSpansSql, type SpanColumns } from "../traceql/search-eval.ts";
import { evaluateSpansets } from "../traceql/spanset-eval.ts";
import { EvalTrace, type SpanRow } from "../traceql/trace-model.ts";
import { entryFilters, filterSql } from "../traceql-sql.ts";
import { windowSql } from "./matched-spans.ts";
import { TRACE_COLUMNS } from "./span-values.ts";

export const EVALUATED_TABLE = "_metrics_matched";
/** by(), the measured field and compare() may name any attribute: every JSON column is read. */
const EVERY_COLUMN: SpanColumns = { json: new Set(["attributes", "resource_attributes", "events", "links", "scope_attributes"]), dedicated: [] };
const CANDIDATE_TRACES = "_metrics_candidate_traces";

/** Fills EVALUATED_TABLE; answers the `FROM` text of the matched spans with the trace columns. */
export async function evaluatedSpansSql(
  connection: DuckDBConnection, view: string, spanset: SpansetExpr, window: traceqlMetrics.MetricsWindow, maxSpans: number,
): Promise<string> {
  const src = quoteIdent(view);
  const entries = entryFilters(spanset);
  const candidate = entries === null ? "TRUE" : entries.map((f) => `(${filterSql(f, [])})`).join(" OR ");
  // A trace is evaluated when it has a span in the window and a span that may start a match.
  await connection.run(
    `CREATE TEMP TABLE ${CANDIDATE_TRACES} AS SELECT DISTINCT trace_id FROM ${src} WHERE ${windowSql(window)} INTERSECT SELECT DISTINCT trace_id FROM ${src} WHERE ${candidate}`,
  );
  const inCandidates = `trace_id IN (SELECT trace_id FROM ${CANDIDATE_TRACES})`;
  const counted = (await connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${src} WHERE ${inCandidates}`)).getRows()[0]![0] as number;
  if (counted > maxSpans) throw tooManySpans(maxSpans);
  const ids = ((await connection.runAndReadAll(`SELECT trace_id FROM ${CANDIDATE_TRACES}`)).getRows() as Array<[string]>).map(([id]) => id);
  await connection.run(
    `CREATE TEMP TABLE ${EVALUATED_TABLE} (trace_id VARCHAR, span_id VARCHAR, ${TRACE_COLUMNS.rootServiceName} VARCHAR, ${TRACE_COLUMNS.rootName} VARCHAR, ${TRACE_COLUMNS.traceDuration} BIGINT)`,
  );
  const appender = await connection.createAppender(EVALUATED_TABLE);
  // One scan for all candidate traces (the span budget bounds what it loads).
  const rows = ids.length === 0 ? [] : (rowObjects(await connection.runAndReadAll(traceSpansSql(view, ids, [], EVERY_COLUMN))) as unknown as SpanRow[]);
  for (const [traceId, spans] of Map.groupBy(rows, (r) => r.trace_id)) {
    const trace = new EvalTrace(traceId, spans);
    const matched = new Set(evaluateSpansets(spanset, [{ spans: trace.spans, attributes: [] }], false).flatMap((s) => s.spans));
    for (const span of matched) {
      const start = span.row.start_time_unix_nano;
      if (start <= window.startNs || start > window.endNs) continue;
      appender.appendVarchar(traceId);
      appender.appendVarchar(span.row.span_id);
      if (trace.root) {
        appender.appendVarchar(trace.root.row.service_name ?? "");
        appender.appendVarchar(trace.root.row.name);
      } else {
        appender.appendNull();
        appender.appendNull();
      }
      appender.appendBigInt(trace.end - trace.start);
      appender.endRow();
    }
  }
  appender.closeSync();
  const t = TRACE_COLUMNS;
  return `(SELECT s.*, m.${t.rootServiceName}, m.${t.rootName}, m.${t.traceDuration} FROM ${src} s JOIN ${EVALUATED_TABLE} m USING (trace_id, span_id) WHERE ${windowSql(window)})`;
}
