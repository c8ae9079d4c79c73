/**
 * A LogSource over streams held in memory: what tests and the LogQL corpus query. It applies
 * what a source must (matchers, the time range, the hinted line filters, direction, limit).
 */
import { compileMatcher, matchesAll } from "../../series/matchers.ts";
import type { Labels } from "../../series/types.ts";
import { matchesLineFilters } from "./line-filters.ts";
import type { LogEntry, LogSelectRequest, LogSource, LogStream } from "./source.ts";

export class MemoryLogSource implements LogSource {
  private readonly streams: { labels: Labels; entries: LogEntry[] }[];
  /** Requests answered, for tests that check what was pushed down. */
  readonly requests: LogSelectRequest[] = [];

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
}
