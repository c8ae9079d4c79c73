/**
 * Log queries: the source's entries through the pipeline, with labels in Loki's three
 * categories, the newest (backward) or oldest (forward) `limit` of them over all streams.
 */
import type { LogQuery } from "./ast.ts";
import { Bounds } from "./bounds.ts";
import { splitLineFilterHints } from "./line-filters.ts";
import { compilePipeline } from "./pipeline.ts";
import type { LogQLParams, LogResultEntry, LogSource } from "./source.ts";

export async function runLogQuery(source: LogSource, query: LogQuery, params: LogQLParams, bounds: Bounds): Promise<LogResultEntry[]> {
  const { hints, rest } = splitLineFilterHints(query.pipeline);
  const pipeline = compilePipeline(rest);
  const streams = await bounds.guard(() =>
    source.select(
      {
        matchers: query.matchers.map(({ name, op, value }) => ({ name, op, value })),
        startNs: params.startNs,
        endNs: params.endNs,
        direction: params.direction,
        ...(hints.length > 0 ? { lineFilters: hints } : {}),
        ...(rest.length === 0 ? { limit: params.limit } : {}),
      },
      params.signal,
    ),
  );
  const out: LogResultEntry[] = [];
  const forward = params.direction === "forward";
  for (const stream of streams) {
    // Entries come in direction order: past `limit` kept ones, a stream has nothing to add.
    let kept = 0;
    for (const entry of stream.entries) {
      if (kept >= params.limit) break;
      bounds.tick();
      if (entry.timestampNs < params.startNs || entry.timestampNs >= params.endNs) continue;
      const processed = pipeline(stream.labels, entry.metadata, entry.line, entry.timestampNs);
      if (!processed) continue;
      const labels = processed.labels.result();
      out.push({ timestampNs: entry.timestampNs, line: processed.line, stream: labels.stream, structuredMetadata: labels.structuredMetadata, parsed: labels.parsed });
      kept++;
    }
  }
  out.sort((a, b) => (a.timestampNs === b.timestampNs ? 0 : (a.timestampNs < b.timestampNs) === forward ? -1 : 1));
  return out.length > params.limit ? out.slice(0, params.limit) : out;
}
