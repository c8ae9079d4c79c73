/**
 * A LogSource over streams held in memory: what tests and the LogQL corpus query. It applies
 * what a source must (matchers, the time range, the hinted line filters, direction, limit).
 */
import { compileMatcher, matchesAll } from "../../series/matchers.ts";
import type { Labels } from "../../series/types.ts";
import { entryLabelValue } from "./labels-builder.ts";
import { matchesLineFilters } from "./line-filters.ts";
import type { LogEntry, LogSampleAnswer, LogSampleGroup, LogSampleRequest, LogSelectRequest, LogSource, LogStream } from "./source.ts";

export class MemoryLogSource implements LogSource {
  private readonly streams: { labels: Labels; entries: LogEntry[] }[];
  /** Requests answered, for tests that check what was pushed down. */
  readonly requests: (LogSelectRequest | LogSampleRequest)[] = [];

  constructor(streams: readonly { labels: Labels; entries: readonly LogEntry[] }[]) {
    this.streams = streams.map((s) => ({
      labels: s.labels,
      entries: [...s.entries].sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0)),
    }));
  }

  async select(request: LogSelectRequest, signal?: AbortSignal): Promise<LogStream[]> {
    signal?.throwIfAborted();
    this.requests.push(request);
    const matchers = request.matchers.map(compileMatcher);
    const out: LogStream[] = [];
    for (const s of this.streams) {
      if (!matchesAll(matchers, s.labels)) continue;
      let entries = s.entries.filter(
        (e) => e.timestampNs >= request.startNs && e.timestampNs < request.endNs && (!request.lineFilters || matchesLineFilters(e.line, request.lineFilters)),
      );
      if (request.direction === "backward") entries = entries.reverse();
      if (request.limit !== undefined) entries = entries.slice(0, request.limit);
      if (entries.length > 0) out.push({ labels: s.labels, entries });
    }
    return out;
  }

  /** Grouped samples, as a store that can group would answer them (source.ts); parsed labels it leaves to the evaluator. */
  async selectSamples(request: LogSampleRequest, signal?: AbortSignal): Promise<LogSampleAnswer | undefined> {
    if (request.parser !== undefined || request.value === "unwrap") return undefined;
    const streams = await this.select({ ...request, direction: "forward" }, signal);
    this.requests.pop();
    this.requests.push(request);
    const groups = new Map<string, { labels: Record<string, string>; offsets: number[]; values: number[] }>();
    const encoder = new TextEncoder();
    for (const s of streams) {
      for (const e of s.entries) {
        const values = request.groupBy.map((name) => entryLabelValue(s.labels, e.metadata, name));
        const key = values.join("\xff");
        let g = groups.get(key);
        if (!g) {
          const labels: Record<string, string> = {};
          request.groupBy.forEach((name, i) => {
            if (values[i]) labels[name] = values[i]!;
          });
          groups.set(key, (g = { labels, offsets: [], values: [] }));
        }
        g.offsets.push(Number(e.timestampNs - request.startNs));
        if (request.value === "bytes") g.values.push(encoder.encode(e.line).length);
      }
    }
    const out: LogSampleGroup[] = [...groups.values()].map((g) => ({
      labels: g.labels,
      originNs: request.startNs,
      offsetsNs: Float64Array.from(g.offsets),
      ...(request.value === "bytes" ? { values: Float64Array.from(g.values) } : {}),
    }));
    return { groups: out, rest: [] };
  }
}
