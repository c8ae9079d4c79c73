/**
 * The Prometheus metadata tickets (series, label names, label values, metadata, exemplars)
 * answered over the engine's `metrics` source view, in the columns of
 * shared/query/prometheus-tickets.ts.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { makeData, RecordBatch, Struct, Table, type Schema } from "apache-arrow";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import {
  PROMETHEUS_RESULT_SCHEMAS, type PromExemplarsTicket, type PromLabelsTicket, type PromLabelValuesTicket, type PromMetadataTicket,
  type PromSeriesTicket, type PrometheusTicket,
} from "../../../../shared/query/index.ts";
import { attributeEntries, metricFamily, SeriesCollector, seriesNames, type StoredMetricRow } from "../../../../shared/series/otlp/index.ts";
import { labelsKey, type LabelMatcher, type Labels } from "../../../../shared/series/index.ts";
import { REMOTE_WRITE_METADATA_TYPE } from "../../../../shared/tables/index.ts";
import { utf8Data } from "../arrow-columns.ts";
import { DuckDBMetricsSource, timeRange } from "./metrics-source.ts";
import { runPromQL } from "./promql.ts";
import type { MetricsSources } from "./metrics-source.ts";

/** Without start/end the APIs look at everything stored (Prometheus: its whole head and blocks). */
const ALL_TIME = { startMs: -9_000_000_000_000, endMs: 9_000_000_000_000 };
const ANY_METRIC: LabelMatcher[] = [{ name: "__name__", op: "=~", value: ".+" }];

export async function runPrometheusTicket(
  connection: DuckDBConnection, view: string, ticket: PrometheusTicket, maxSamples: number, maxRows: number, sources?: MetricsSources,
): Promise<Table> {
  const source = new DuckDBMetricsSource(connection, view, { maxSamples, ...(sources ? { sources } : {}) });
  const range = rangeOf(ticket);
  const limitOf = (limit: number) => Math.min(limit === 0 ? maxRows : limit, maxRows);
  switch (ticket.kind) {
    case "prom_series":
      return table(PROMETHEUS_RESULT_SCHEMAS.prom_series, [(await labelSetsOf(source, ticket.match, range)).slice(0, limitOf(ticket.limit)).map(labelsJson)]);
    case "prom_labels":
      return table(PROMETHEUS_RESULT_SCHEMAS.prom_labels, [(await labelNames(source, ticket, range)).slice(0, limitOf(ticket.limit))]);
    case "prom_label_values":
      return table(PROMETHEUS_RESULT_SCHEMAS.prom_label_values, [(await labelValues(source, ticket, range)).slice(0, limitOf(ticket.limit))]);
    case "prom_metadata":
      return metadata(connection, view, ticket, limitOf(ticket.limit));
    case "prom_exemplars":
      return exemplars(connection, view, source, ticket, range, maxRows);
    case "promql":
      return runPromQL(connection, view, ticket, maxSamples, sources);
  }
}

function rangeOf(ticket: PrometheusTicket): { startMs: number; endMs: number } {
  const ms = (ns: string | undefined, fallback: number) => (ns === undefined ? fallback : Number(BigInt(ns) / 1_000_000n));
  return { startMs: ms(ticket.startNs, ALL_TIME.startMs), endMs: ms(ticket.endNs, ALL_TIME.endMs) };
}

/** The union of the series of several selectors, sorted by labels. */
async function labelSetsOf(source: DuckDBMetricsSource, selectors: readonly (readonly LabelMatcher[])[], range: { startMs: number; endMs: number }): Promise<Labels[]> {
  const all = new Map<string, Labels>();
  for (const matchers of selectors) {
    for (const labels of await source.labelSets({ matchers, ...range })) all.set(labelsKey(labels), labels);
  }
  return [...all.keys()].sort().map((k) => all.get(k)!);
}

async function labelNames(source: DuckDBMetricsSource, ticket: PromLabelsTicket, range: { startMs: number; endMs: number }): Promise<string[]> {
  const sets = await labelSetsOf(source, ticket.match.length > 0 ? ticket.match : [ANY_METRIC], range);
  const names = new Set<string>();
  for (const labels of sets) for (const name of Object.keys(labels)) names.add(name);
  return [...names].sort();
}

async function labelValues(source: DuckDBMetricsSource, ticket: PromLabelValuesTicket, range: { startMs: number; endMs: number }): Promise<string[]> {
  const values = new Set<string>();
  if (ticket.name === "__name__" && ticket.match.length === 0) {
    // Metric names alone: the families in the range, no attribute is read.
    for (const identity of await source.families(timeRange(range.startMs, range.endMs), true)) {
      const family = metricFamily(identity);
      if (family.refused === undefined) for (const name of seriesNames(family)) values.add(name);
    }
    for (const labels of await source.labelSets({ matchers: [{ name: "__name__", op: "=", value: "target_info" }], ...range })) values.add(labels.__name__!);
  } else {
    for (const labels of await labelSetsOf(source, ticket.match.length > 0 ? ticket.match : [ANY_METRIC], range)) {
      const value = labels[ticket.name];
      if (value !== undefined && value !== "") values.add(value);
    }
  }
  return [...values].sort();
}

async function metadata(connection: DuckDBConnection, view: string, ticket: PromMetadataTicket, limit: number): Promise<Table> {
  const range = timeRange(rangeOf(ticket).startMs, rangeOf(ticket).endMs);
  const reader = await connection.runAndReadAll(
    `SELECT metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality, metric_description, metric_metadata
     FROM ${view} WHERE ${range} GROUP BY ALL`,
  );
  const byMetric = new Map<string, Map<string, [string, string, string]>>();
  const add = (metric: string, type: string, help: string, unit: string) => {
    if (ticket.metric !== undefined && metric !== ticket.metric) return;
    let entries = byMetric.get(metric);
    if (!entries) byMetric.set(metric, (entries = new Map()));
    entries.set(`${type}\u0000${help}\u0000${unit}`, [type, help, unit]);
  };
  for (const r of reader.getRows()) {
    const [name, unit, type, monotonic, temporality, help, meta] = r as [string, string, string, boolean, number, string, string];
    if (type === REMOTE_WRITE_METADATA_TYPE) {
      add(name, attributeEntries(meta).find((e) => e[0] === "prometheus.type")?.[1] ?? "unknown", help, unit);
      continue;
    }
    const family = metricFamily({ name, unit, type, monotonic, temporality });
    if (family.refused === undefined && family.shape !== "remote_write") add(family.name, family.type, help, family.unit);
  }
  const metrics = [...byMetric.keys()].sort().slice(0, limit);
  const rows = metrics.flatMap((m) => [...byMetric.get(m)!.values()].map((e) => [m, ...e]));
  return table(PROMETHEUS_RESULT_SCHEMAS.prom_metadata, [0, 1, 2, 3].map((i) => rows.map((row) => row[i]!)));
}

interface JsonExemplar {
  filteredAttributes?: unknown[];
  timeUnixNano?: string;
  asDouble?: number | string;
  asInt?: string;
  traceId?: string;
  spanId?: string;
}

async function exemplars(
  connection: DuckDBConnection, view: string, source: DuckDBMetricsSource, ticket: PromExemplarsTicket,
  range: { startMs: number; endMs: number }, maxRows: number,
): Promise<Table> {
  const bySeries = new Map<string, { labels: Labels; exemplars: { labels: Record<string, string>; value: string; timestamp: number }[] }>();
  const time = timeRange(range.startMs, range.endMs);
  const families = await source.families(time);
  for (const matchers of ticket.match) {
    const collector = new SeriesCollector(matchers);
    const names = [...new Set(families.filter((f) => collector.selection(f).base !== null).map((f) => f.name))];
    if (names.length === 0) continue;
    const reader = await connection.runAndReadAll(
      `SELECT metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality, distribution, attributes, resource_attributes, exemplars
       FROM ${view} WHERE exemplars <> '[]' AND time_unix_nano >= ${BigInt(Math.floor(range.startMs)) * 1_000_000n} AND metric_name IN (${names.map(quoteLiteral).join(", ")})`,
    );
    for (const r of reader.getRows()) {
      const row: StoredMetricRow = {
        name: r[0] as string, unit: r[1] as string, type: r[2] as string, monotonic: r[3] as boolean, temporality: r[4] as number,
        timeMs: 0, value: null, count: null, sum: null, distribution: r[5] as string, flags: 0, attributes: r[6] as string, resourceAttributes: r[7] as string,
      };
      // A point's exemplars were recorded before it: rows older than the range hold none of the range's.
      for (const e of JSON.parse(r[8] as string) as JsonExemplar[]) {
        const timestampMs = Number(BigInt(e.timeUnixNano ?? "0") / 1_000_000n);
        if (timestampMs < range.startMs || timestampMs > range.endMs) continue;
        const value = e.asInt !== undefined ? Number(e.asInt) : typeof e.asDouble === "string" ? Number.NaN : (e.asDouble ?? 0);
        const labels = collector.exemplarSeries(row, value);
        if (labels === null) continue;
        const key = labelsKey(labels);
        let entry = bySeries.get(key);
        if (!entry) bySeries.set(key, (entry = { labels, exemplars: [] }));
        const own: Record<string, string> = Object.fromEntries(attributeEntries(JSON.stringify(e.filteredAttributes ?? [])));
        if (e.traceId) own.trace_id = e.traceId;
        if (e.spanId) own.span_id = e.spanId;
        entry.exemplars.push({ labels: own, value: String(value), timestamp: timestampMs / 1000 });
      }
    }
  }
  const keys = [...bySeries.keys()].sort().slice(0, maxRows);
  const series = keys.map((k) => bySeries.get(k)!);
  for (const s of series) s.exemplars.sort((a, b) => a.timestamp - b.timestamp);
  return table(PROMETHEUS_RESULT_SCHEMAS.prom_exemplars, [series.map((s) => labelsJson(s.labels)), series.map((s) => JSON.stringify(s.exemplars))]);
}

/** Labels as a JSON object, `__name__` first then by name (Prometheus's order). */
export function labelsJson(labels: Labels): string {
  const names = Object.keys(labels).sort((a, b) => (a === "__name__" ? -1 : b === "__name__" ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(names.map((n) => [n, labels[n]])));
}

function table(schema: Schema, columns: string[][]): Table {
  const length = columns[0]?.length ?? 0;
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns.map((c) => utf8Data(c)) });
  return new Table([new RecordBatch(schema, struct)]);
}
