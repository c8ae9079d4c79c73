/**
 * The `traceql_metrics` ticket: the matched spans grouped per series and interval in DuckDB
 * (one row per group, interval and bucket), the evaluator (shared/query/traceql-metrics) turns
 * them into series, and the answer is Tempo's QueryRangeResponse as one JSON row.
 */
import type { DuckDBConnection, DuckDBStructValue } from "@duckdb/node-api";
import { makeData, RecordBatch, Struct, Table } from "apache-arrow";
import { traceqlMetrics, traceqlMetricsResultSchema, type TraceQLMetricsTicket } from "../../../../shared/query/index.ts";
import { utf8Data } from "../arrow-columns.ts";
import { compareRows } from "./compare-sql.ts";
import { evaluatedSpansSql } from "./evaluated-spans.ts";
import { matchedSpansSql, sqlCanMatch } from "./matched-spans.ts";
import { bucketSql, needsTrace, numericSql, typedSql, typedValueOf } from "./span-values.ts";

type GroupRow = traceqlMetrics.GroupRow;
type ExemplarRow = traceqlMetrics.ExemplarRow;

export async function runTraceQLMetrics(connection: DuckDBConnection, view: string, ticket: TraceQLMetricsTicket, inspectedBytes: number): Promise<Table> {
  const query = traceqlMetrics.parseMetricsQuery(ticket.query);
  const window: traceqlMetrics.MetricsWindow = { startNs: BigInt(ticket.startNs), endNs: BigInt(ticket.endNs), stepNs: BigInt(ticket.stepNs), instant: ticket.instant };
  const { stage } = query;
  // compare() lists each span's root fields among its attributes, as Tempo does.
  const needTrace = stage.fn === "compare" || [stage.attribute, ...stage.by].some(needsTrace);
  const spans = sqlCanMatch(query.spanset) ? matchedSpansSql(view, query.spanset, window, needTrace) : await evaluatedSpansSql(connection, view, query.spanset, window);
  let series: traceqlMetrics.MetricsSeries[];
  let inspectedSpans = 0;
  if (stage.fn === "compare") {
    const rows = await compareRows(connection, spans, query, window);
    inspectedSpans = rows.spans;
    series = traceqlMetrics.compareSeries(stage.compare!.topN, window, rows.rows);
  } else {
    const { groups, exemplars } = await groupRows(connection, spans, query, window, ticket.instant ? 0 : exemplarLimit(query, ticket.exemplars));
    for (const g of groups) inspectedSpans += g.count;
    series = traceqlMetrics.buildSeries(query, window, groups, exemplars, ticket.instant ? 0 : exemplarLimit(query, ticket.exemplars));
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

function intervalSql(window: traceqlMetrics.MetricsWindow): string {
  if (window.instant) return "0";
  return `((start_time_unix_nano - CAST(${window.startNs} AS BIGINT) - 1) // CAST(${window.stepNs} AS BIGINT))::INTEGER`;
}

async function groupRows(
  connection: DuckDBConnection, spans: string, query: traceqlMetrics.MetricsQuery, window: traceqlMetrics.MetricsWindow, exemplars: number,
): Promise<{ groups: GroupRow[]; exemplars: ExemplarRow[] }> {
  const { stage } = query;
  const bucketed = stage.fn === "quantile_over_time" || stage.fn === "histogram_over_time";
  const keys = stage.by.map((a, i) => `${typedSql(a)} AS _k${i}`);
  const value = stage.attribute ? numericSql(stage.attribute) : "NULL::DOUBLE";
  const bucket = bucketed ? bucketSql(stage.attribute!) : "NULL::DOUBLE";
  const keyNames = stage.by.map((_, i) => `_k${i}`);
  // The slowest span of each group and interval is its exemplar: the one worth opening.
  const exemplar = exemplars > 0 ? `, arg_max({'t': trace_id, 's': span_id, 'ms': start_time_unix_nano // 1000000, 'v': _v}, duration_nano) AS _ex` : "";
  const sql = `
SELECT ${[...keyNames, "_b", "_i"].join(", ")}, count(*)::DOUBLE, count(_v)::DOUBLE, sum(_v), min(_v), max(_v)${exemplar}
FROM (SELECT ${[...keys, `${bucket} AS _b`, `${intervalSql(window)} AS _i`, `${value} AS _v`].join(", ")}, trace_id, span_id, start_time_unix_nano, duration_nano FROM ${spans})
${bucketed ? "WHERE _b IS NOT NULL" : ""}
GROUP BY ${[...keyNames, "_b", "_i"].join(", ")}`;
  const reader = await connection.runAndReadAll(sql);
  const k = keyNames.length;
  const groups: GroupRow[] = [];
  const picked: ExemplarRow[] = [];
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
    if (exemplars > 0) {
      const ex = (r[k + 7] as DuckDBStructValue).entries;
      picked.push({ keys: row.keys, bucket: row.bucket, interval: row.interval, traceId: ex.t as string, spanId: ex.s as string, timeMs: Number(ex.ms), value: ex.v as number | null });
    }
  }
  return { groups, exemplars: spread(picked, exemplars) };
}

/** At most `max` exemplars, evenly spread over the candidates in time order. */
function spread(rows: ExemplarRow[], max: number): ExemplarRow[] {
  if (rows.length <= max) return rows;
  rows.sort((a, b) => a.timeMs - b.timeMs);
  const out: ExemplarRow[] = [];
  for (let i = 0; i < max; i++) out.push(rows[Math.floor((i * rows.length) / max)]!);
  return out;
}
