/**
 * A log query's entries (LogQLStreamsJson: grouped by their three label sets) in Loki's two
 * answer forms (grafana/loki `pkg/util/marshal/query.go`):
 * - plain: each stream's labels are all three sets merged (parsed over metadata over stream
 *   labels), values `["<ns>", "<line>"]`;
 * - `categorize-labels`: streams keyed by their stream labels only, values
 *   `["<ns>", "<line>", {"structuredMetadata": {…}, "parsed": {…}}]` (empty sets left out).
 * Within a stream, values keep the query's direction.
 */
import type { LogQLStreamsJson } from "../../../../shared/query/index.ts";

export type LokiValue = [string, string] | [string, string, { structuredMetadata?: Record<string, string>; parsed?: Record<string, string> }];

export interface LokiStreamJson {
  stream: Record<string, string>;
  values: LokiValue[];
}

export function lokiStreams(groups: LogQLStreamsJson, categorize: boolean, direction: "forward" | "backward", intervalNs = 0n): LokiStreamJson[] {
  const streams = new Map<string, LokiStreamJson>();
  for (const g of groups) {
    const labels = categorize ? g.stream : sorted({ ...g.stream, ...g.structuredMetadata, ...g.parsed });
    const key = JSON.stringify(labels);
    let stream = streams.get(key);
    if (!stream) streams.set(key, (stream = { stream: labels, values: [] }));
    for (const [ts, line] of g.values) {
      if (!categorize) stream.values.push([ts, line]);
      else {
        const extra: { structuredMetadata?: Record<string, string>; parsed?: Record<string, string> } = {};
        if (Object.keys(g.structuredMetadata).length > 0) extra.structuredMetadata = g.structuredMetadata;
        if (Object.keys(g.parsed).length > 0) extra.parsed = g.parsed;
        stream.values.push([ts, line, extra]);
      }
    }
  }
  const sign = direction === "forward" ? 1 : -1;
  const out = [...streams.values()];
  for (const s of out) {
    // Several groups may share a stream: restore its time order.
    s.values.sort((a, b) => sign * compareNs(a[0], b[0]));
    if (intervalNs > 0n) s.values = everyInterval(s.values, intervalNs, direction);
  }
  return out;
}

/** Loki's `interval`: an entry only when at least `interval` has passed since the last one kept. */
function everyInterval(values: LokiValue[], intervalNs: bigint, direction: "forward" | "backward"): LokiValue[] {
  const kept: LokiValue[] = [];
  let last: bigint | undefined;
  for (const v of values) {
    const ts = BigInt(v[0]);
    if (last === undefined || (direction === "forward" ? ts >= last + intervalNs : ts <= last - intervalNs)) {
      kept.push(v);
      last = ts;
    }
  }
  return kept;
}

function compareNs(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

function sorted(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k]!;
  return out;
}

export function entryCount(streams: readonly LokiStreamJson[]): number {
  return streams.reduce((n, s) => n + s.values.length, 0);
}
