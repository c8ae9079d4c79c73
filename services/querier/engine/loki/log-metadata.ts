/**
 * Loki's index-backed metadata endpoints as answers over stream summaries
 * (log-stream-summary.ts): label names and values, series, index stats, volume and detected
 * labels, each following the Loki code path it mirrors (cited per function). Columns are those
 * of shared/query/results.ts.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Table } from "apache-arrow";
import {
  LOKI_META_RESULT_SCHEMAS, logLabelsSchema, logLabelValuesSchema, parseStreamSelector, querySelectors, type LogDetectedLabelsTicket,
  type LogIndexStatsTicket, type LogLabelsTicket, type LogLabelValuesTicket, type LogSeriesTicket, type LogVolumeTicket,
} from "../../../../shared/query/index.ts";
import { compareLabels, keepLabels, labelsKey, type LabelMatcher, type Labels } from "../../../../shared/series/index.ts";
import { int64Data, tableOf, utf8Data } from "../arrow-columns.ts";
import { streamSummaries, type StreamSummary } from "./log-stream-summary.ts";

const MS_NS = 1_000_000n;

interface Range {
  startNs?: bigint;
  endNs?: bigint;
}

function rangeOf(ticket: { startNs?: string; endNs?: string }): Range {
  return {
    startNs: ticket.startNs === undefined ? undefined : BigInt(ticket.startNs),
    endNs: ticket.endNs === undefined ? undefined : BigInt(ticket.endNs),
  };
}

const selectorsOf = (query: string | undefined) => {
  const matchers = parseStreamSelector(query ?? "");
  return matchers.length > 0 ? [matchers] : [];
};

/** `/labels`: the label names of the streams the selector (if any) matches. */
export async function logLabels(connection: DuckDBConnection, view: string, ticket: LogLabelsTicket, maxRows: number): Promise<Table> {
  const streams = await streamSummaries(connection, view, { ...rangeOf(ticket), selectors: selectorsOf(ticket.query), counts: false });
  const names = new Set<string>();
  for (const s of streams) for (const name of Object.keys(s.labels)) names.add(name);
  return tableOf(logLabelsSchema, [utf8Data([...names].sort().slice(0, maxRows))]);
}

/** `/label/{name}/values`: the values `name` takes on the streams the selector (if any) matches. */
export async function logLabelValues(connection: DuckDBConnection, view: string, ticket: LogLabelValuesTicket, maxRows: number): Promise<Table> {
  const streams = await streamSummaries(connection, view, { ...rangeOf(ticket), selectors: selectorsOf(ticket.query), counts: false });
  const values = new Set<string>();
  for (const s of streams) {
    const value = s.labels[ticket.name];
    if (value !== undefined && value !== "") values.add(value);
  }
  return tableOf(logLabelValuesSchema, [utf8Data([...values].sort().slice(0, maxRows))]);
}

/** `/series`: the distinct label sets of the streams any selector matches, sorted. */
export async function logSeries(connection: DuckDBConnection, view: string, ticket: LogSeriesTicket, maxRows: number): Promise<Table> {
  const selectors = ticket.selectors.map(parseStreamSelector).filter((m) => m.length > 0);
  // A selector without matchers (`{}`) selects everything: the union is every stream.
  const all = selectors.length < ticket.selectors.length;
  const streams = await streamSummaries(connection, view, { ...rangeOf(ticket), selectors: all ? [] : selectors, counts: false });
  const sets = distinctLabelSets(streams).sort(compareLabels).slice(0, maxRows);
  return tableOf(LOKI_META_RESULT_SCHEMAS.log_series, [utf8Data(sets.map((l) => JSON.stringify(l)))]);
}

/** `/index/stats` (Loki's ingester `getStats`): streams with entries in the range, and their totals. */
export async function logIndexStats(connection: DuckDBConnection, view: string, ticket: LogIndexStatsTicket): Promise<Table> {
  const selectors = querySelectors(ticket.query);
  const streams = await streamSummaries(connection, view, { ...rangeOf(ticket), selectors: selectors.some((s) => s.length === 0) ? [] : selectors, counts: true });
  const total = { streams: 0, chunks: 0, entries: 0, bytes: 0 };
  for (const s of streams) {
    if (s.entries === 0) continue;
    total.streams++;
    total.chunks += s.chunks;
    total.entries += s.entries;
    total.bytes += s.bytes;
  }
  const { streams: n, chunks, entries, bytes } = total;
  return tableOf(LOKI_META_RESULT_SCHEMAS.log_index_stats, [int64Data([n]), int64Data([chunks]), int64Data([entries]), int64Data([bytes])]);
}

/**
 * `/index/volume` and `/index/volume_range` (Loki: `PrepareLabelsAndMatchers`, the ingester's
 * `getVolume`, the frontend's `NewVolumeMiddleware`). Groups: with `aggregateBy=series`, a
 * stream's labels restricted to the target labels (each of which must then be present), or
 * to the selector's label names, or all of them when the selector matches everything; with
 * `aggregateBy=labels`, each label name (each target label's, when given). Each bucket keeps its `limit` largest groups, ties by
 * name; a bucket's timestamp is its end (1 ms before the next bucket, the request's end for
 * the last one), as Loki's split queries report it.
 */
export async function logVolume(connection: DuckDBConnection, view: string, ticket: LogVolumeTicket): Promise<Table> {
  const range = rangeOf(ticket);
  // Loki reads the selector of the query it is handed (Drilldown sends a bare selector).
  const matchers: LabelMatcher[] = querySelectors(ticket.query)[0] ?? [];
  const targets = ticket.targetLabels;
  const groupBy = targets.length > 0 ? targets : [...new Set(matchers.map((m) => m.name))];
  for (const t of targets) if (!matchers.some((m) => m.name === t)) matchers.push({ name: t, op: "=~", value: ".+" });
  const matchAny = groupBy.length === 0;
  const stepNs = ticket.stepNs === undefined ? undefined : BigInt(ticket.stepNs);
  const streams = await streamSummaries(connection, view, { ...range, selectors: matchers.length > 0 ? [matchers] : [], counts: true, bucketNs: stepNs });

  const buckets = new Map<bigint, Map<string, number>>();
  const add = (bucket: bigint, name: string, bytes: number) => {
    let groups = buckets.get(bucket);
    if (!groups) buckets.set(bucket, (groups = new Map()));
    groups.set(name, (groups.get(name) ?? 0) + bytes);
  };
  const endNs = range.endNs ?? 0n;
  for (const s of streams) {
    if (s.entries === 0) continue;
    const time = stepNs === undefined ? endNs : bucketEnd(s.bucketStartNs ?? 0n, stepNs, endNs);
    if (ticket.aggregateBy === "series") add(time, JSON.stringify(matchAny ? s.labels : keepLabels(s.labels, groupBy)), s.bytes);
    else for (const name of Object.keys(s.labels)) if (targets.length === 0 || targets.includes(name)) add(time, name, s.bytes);
  }

  const names: string[] = [];
  const times: bigint[] = [];
  const volumes: number[] = [];
  for (const time of [...buckets.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ranked = [...buckets.get(time)!].sort(([an, av], [bn, bv]) => bv - av || (an < bn ? -1 : an > bn ? 1 : 0)).slice(0, ticket.limit);
    for (const [name, volume] of ranked) {
      names.push(name);
      times.push(time);
      volumes.push(volume);
    }
  }
  return tableOf(LOKI_META_RESULT_SCHEMAS.log_volume, [utf8Data(names), int64Data(times), int64Data(volumes)]);
}

function bucketEnd(bucketStartNs: bigint, stepNs: bigint, endNs: bigint): bigint {
  const next = bucketStartNs + stepNs;
  return next < endNs ? next - MS_NS : endNs;
}

/** Labels Loki reports even when their values look like ids (`staticLabels` in its querier). */
const STATIC_LABELS = new Set(["cluster", "namespace", "instance", "pod"]);

/**
 * `/detected_labels` (Loki's querier `DetectedLabels`): every stream label of the matched
 * streams with its number of distinct values, leaving out labels whose values are all ids
 * (numbers or UUIDs, 0/1 aside) unless Loki keeps them regardless.
 */
export async function logDetectedLabels(connection: DuckDBConnection, view: string, ticket: LogDetectedLabelsTicket): Promise<Table> {
  const streams = await streamSummaries(connection, view, { ...rangeOf(ticket), selectors: selectorsOf(ticket.query), counts: false });
  const values = new Map<string, Set<string>>();
  for (const s of streams) {
    for (const [name, value] of Object.entries(s.labels)) {
      let set = values.get(name);
      if (!set) values.set(name, (set = new Set()));
      set.add(value);
    }
  }
  const kept = [...values].filter(([name, set]) => STATIC_LABELS.has(name) || !rejectLabel([...set])).sort(([a], [b]) => (a < b ? -1 : 1));
  return tableOf(LOKI_META_RESULT_SCHEMAS.log_detected_labels, [utf8Data(kept.map(([n]) => n)), int64Data(kept.map(([, s]) => s.size))]);
}

const UUID = /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

/** Loki's `shouldRejectLabel`: no values, or only ids (0 and 1 alone count as a boolean). */
function rejectLabel(values: string[]): boolean {
  if (values.length === 0) return true;
  if (values.length <= 2 && values.every((v) => v === "0" || v === "1")) return false;
  return values.every((v) => isGoFloat(v) || UUID.test(v));
}

/** What Go's strconv.ParseFloat accepts, near enough: decimal numbers, exponents, inf and nan. */
function isGoFloat(v: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) || /^[+-]?(inf|infinity|nan)$/i.test(v);
}

function distinctLabelSets(streams: readonly StreamSummary[]): Labels[] {
  const sets = new Map<string, Labels>();
  for (const s of streams) sets.set(labelsKey(s.labels), s.labels);
  return [...sets.values()];
}
