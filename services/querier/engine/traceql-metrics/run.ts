/**
 * The `traceql_metrics` ticket: the matched spans grouped per series and interval in DuckDB
 * (one row per group, interval and bucket), the evaluator (shared/query/traceql-metrics) turns
 * them into series, and the answer is Tempo's QueryRangeResponse as one JSON row.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { makeData, RecordBatch, Struct, Table } from "apache-arrow";
import { traceqlMetrics, traceqlMetricsResultSchema, type TraceQLMetricsTicket } from "../../../../shared/query/index.ts";
import { utf8Data } from "../arrow-columns.ts";
import { MAX_EVALUATED_SPANS } from "../search-plan.ts";
import { tooManyGroups } from "./bounds.ts";
import { compareRows } from "./compare-sql.ts";
import { evaluatedSpansSql } from "./evaluated-spans.ts";
import { CANDIDATE_AGGREGATE, candidateOf, pickExemplars, type ExemplarCandidate } from "./exemplars.ts";
import { matchedSpansSql, sqlFilterOf } from "./matched-spans.ts";
import { bucketBoundSql, bucketExponentSql, needsTrace, numericSql, typedSql, typedValueOf } from "./span-values.ts";

type GroupRow = traceqlMetrics.GroupRow;

/**
 * `view` must expose the rows' locations (source-view.ts `locate`): exemplars are read by them.
 * `maxRows`: most (series, step, bucket) groups the SQL may answer (the engine's row cap);
 * `maxSpans`: most spans the TraceQL evaluator may load (search's budget).
 */
export async function runTraceQLMetrics(
  connection: DuckDBConnection, view: string, ticket: TraceQLMetricsTicket, inspectedBytes: number, maxRows = 100_000, maxSpans = MAX_EVALUATED_SPANS,
): Promise<Table> {
  const query = traceqlMetrics.parseMetricsQuery(ticket.query);
  const window: traceqlMetrics.MetricsWindow = { startNs: BigInt(ticket.startNs), endNs: BigInt(ticket.endNs), stepNs: BigInt(ticket.stepNs), instant: ticket.instant };
  const { stage } = query;
  // compare() lists each span's root fields among its attributes, as Tempo does.
  const needTrace = stage.fn === "compare" || [stage.attribute, ...stage.by].some(needsTrace);
  const filter = await sqlFilterOf(connection, view, query.spanset, window);
  const spans = filter !== null ? matchedSpansSql(view, filter, window, needTrace) : await evaluatedSpansSql(connection, view, query.spanset, window, maxSpans);
  let series: traceqlMetrics.MetricsSeries[];
  let inspectedSpans = 0;
  if (stage.fn === "compare") {
    const rows = await compareRows(connection, view, spans, query, window, maxRows);
    inspectedSpans = rows.spans;
    series = traceqlMetrics.compareSeries(stage.compare!.topN, window, rows.rows);
  } else {
    // Tempo's instant queries carry no exemplars.
    const maxExemplars = ticket.instant ? 0 : exemplarLimit(query, ticket.exemplars);
    const { groups, candidates } = await groupRows(connection, spans, query, window, maxExemplars, maxRows);
    const exemplars = await pickExemplars(connection, view, candidates, maxExemplars);
    for (const g of groups) inspectedSpans += g.count;
    series = traceqlMetrics.buildSeries(query, window, groups, exemplars, maxExemplars);
  }
  const response = traceqlMetrics.queryRangeResponse(series, window, { inspectedSpans, inspectedBytes });
  const children = [utf8Data([JSON.stringify(response)])];
  const schema = traceqlMetricsResultSchema;
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children }))]);
}

/** Tempo: the `exemplars` hint wins (false: none), else the request's count, else the default; capped by it. */
function exemplarLimit(query: traceqlMetrics.MetricsQuery, requested: number): number {
  const hint = query.hints.exemplars;
  if (typeof hint === "number") return Math.min(Math.max(hint, 0), traceqlMetrics.DEFAULT_MAX_EXEMPLARS);
  if (hint === false) return 0;
  return Math.min(requested === 0 ? traceqlMetrics.DEFAULT_MAX_EXEMPLARS : requested, traceqlMetrics.DEFAULT_MAX_EXEMPLARS);
}

/** The functions of a span's value (the others count spans). */
const VALUE_FUNCTIONS: ReadonlySet<string> = new Set(["min_over_time", "max_over_time", "sum_over_time", "avg_over_time"]);

function intervalSql(window: traceqlMetrics.MetricsWindow): string {
  if (window.instant) return "0";
  return `((start_time_unix_nano - CAST(${window.startNs} AS BIGINT) - 1) // CAST(${window.stepNs} AS BIGINT))::INTEGER`;
}

async function groupRows(
  connection: DuckDBConnection, spans: string, query: traceqlMetrics.MetricsQuery, window: traceqlMetrics.MetricsWindow, exemplars: number, maxRows: number,
): Promise<{ groups: GroupRow[]; candidates: ExemplarCandidate[] }> {
  const { stage } = query;
  const bucketed = stage.fn === "quantile_over_time" || stage.fn === "histogram_over_time";
  const keys = stage.by.map((a, i) => `${typedSql(a)} AS _k${i}`);
  const value = stage.attribute ? numericSql(stage.attribute) : "NULL::DOUBLE";
  const exponent = bucketed ? bucketExponentSql(stage.attribute!) : "NULL::DOUBLE";
  const keyNames = stage.by.map((_, i) => `_k${i}`);
  // Sums and extremes only for the functions that read them (counting ones use count(*)).
  const values = VALUE_FUNCTIONS.has(stage.fn) ? "count(_v)::DOUBLE, sum(_v), min(_v), max(_v)" : "0::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE";
  // The slowest span of each group and interval is its exemplar candidate: the one worth opening.
  const exemplar = exemplars > 0 ? `, ${CANDIDATE_AGGREGATE} AS _ex` : "";
  const groupBy = [...keyNames, "_e", "_i"].join(", ");
  const sql = `
SELECT ${[...keyNames, `${bucketed ? bucketBoundSql(stage.attribute!, "_e") : "NULL::DOUBLE"} AS _b`, "_i"].join(", ")}, count(*)::DOUBLE, ${values}${exemplar}
FROM (SELECT ${[...keys, `${exponent} AS _e`, `${intervalSql(window)} AS _i`, `${value} AS _v`].join(", ")}, ${exemplars > 0 ? "_file, _row, " : ""}start_time_unix_nano, duration_nano FROM ${spans})
${bucketed ? "WHERE _e IS NOT NULL" : ""}
GROUP BY ${groupBy}
LIMIT ${maxRows + 1}`;
  const reader = await connection.runAndReadAll(sql);
  if (reader.currentRowCount > maxRows) throw tooManyGroups(maxRows);
  const k = keyNames.length;
  const groups: GroupRow[] = [];
  const candidates: ExemplarCandidate[] = [];
  for (const r of reader.getRows()) {
    const row: GroupRow = {
      keys: r.slice(0, k).map((v) => typedValueOf(v as string | null)),
      bucket: r[k] as number | null,
      interval: r[k + 1] as number,
      count: r[k + 2] as number,
      valueCount: r[k + 3] as number,
      sum: r[k + 4] as number | null,
      min: r[k + 5] as number | null,
      max: r[k + 6] as number | null,
    };
    groups.push(row);
    if (exemplars > 0) candidates.push(candidateOf({ keys: row.keys, bucket: row.bucket, interval: row.interval }, r[k + 7]));
  }
  return { groups, candidates };
}
