/**
 * Tempo's metrics answers as its JSON API writes them (tempopb QueryRangeResponse /
 * QueryInstantResponse through gogo jsonpb: int64 as decimal strings, zero values left out,
 * NaN as "NaN"). `promLabels` is the Prometheus-text form Tempo 2.x sent beside the typed
 * labels (older Grafana versions read it).
 */
import type { MetricsExemplar, MetricsSeries } from "./series.ts";
import { anyValueOf, promLabelsText, type AnyValueJson } from "./labels.ts";
import { intervalTimeMs, type MetricsWindow } from "./request.ts";
import type { TypedLabel } from "./rows.ts";

export interface KeyValueJson {
  key: string;
  value: AnyValueJson;
}

export interface SampleJson {
  timestampMs: string;
  value: number | string;
}

export interface ExemplarJson {
  labels: KeyValueJson[];
  value: number | string;
  timestampMs: string;
}

export interface TimeSeriesJson {
  labels: KeyValueJson[];
  promLabels: string;
  samples: SampleJson[];
  exemplars?: ExemplarJson[];
}

export interface MetricsStatsJson {
  inspectedTraces?: number;
  inspectedBytes: string;
  inspectedSpans: string;
  totalBlocks?: number;
  completedJobs: number;
  totalJobs: number;
  totalBlockBytes?: string;
}

export interface QueryRangeResponse {
  series: TimeSeriesJson[];
  metrics: MetricsStatsJson;
}

export interface InstantSeriesJson {
  labels: KeyValueJson[];
  promLabels: string;
  value: number | string;
}

export interface QueryInstantResponse {
  series: InstantSeriesJson[];
  metrics: MetricsStatsJson;
}

const numberJson = (v: number): number | string => (Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : v);
const keyValues = (labels: readonly TypedLabel[]): KeyValueJson[] => labels.map((l) => ({ key: l.name, value: anyValueOf(l.value) }));

/** The series with at least one sample, ordered by their Prometheus text (Tempo's order is a map's). */
export function queryRangeResponse(series: readonly MetricsSeries[], window: MetricsWindow, stats: { inspectedSpans: number; inspectedBytes: number }): QueryRangeResponse {
  const out: TimeSeriesJson[] = [];
  for (const s of series) {
    const samples: SampleJson[] = [];
    for (let i = 0; i < s.series.values.length; i++) {
      if (!s.series.present[i] || Number.isNaN(s.series.values[i])) continue;
      samples.push({ timestampMs: String(window.instant ? Number(window.endNs / 1_000_000n) : intervalTimeMs(window, i)), value: numberJson(s.series.values[i]!) });
    }
    if (samples.length === 0) continue;
    const ts: TimeSeriesJson = { labels: keyValues(s.labels), promLabels: promLabelsText(s.labels), samples };
    if (s.exemplars.length > 0) ts.exemplars = s.exemplars.map(exemplarJson);
    out.push(ts);
  }
  out.sort((a, b) => (a.promLabels < b.promLabels ? -1 : a.promLabels > b.promLabels ? 1 : 0));
  return { series: out, metrics: statsJson(stats) };
}

function exemplarJson(e: MetricsExemplar): ExemplarJson {
  return { labels: keyValues(e.labels), value: numberJson(e.value), timestampMs: String(e.timestampMs) };
}

function statsJson(stats: { inspectedSpans: number; inspectedBytes: number }): MetricsStatsJson {
  return { inspectedBytes: String(stats.inspectedBytes), inspectedSpans: String(stats.inspectedSpans), completedJobs: 1, totalJobs: 1 };
}

/** Tempo answers an instant query by running it as a one-interval range and keeping each series' first value. */
export function instantResponse(range: QueryRangeResponse): QueryInstantResponse {
  return {
    series: range.series.map((s) => ({ labels: s.labels, promLabels: s.promLabels, value: s.samples[0]!.value })),
    metrics: range.metrics,
  };
}
