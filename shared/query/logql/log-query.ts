/**
 * Log queries: the source's entries through the pipeline, with labels in Loki's three
 * categories, the newest (backward) or oldest (forward) `limit` of them over all streams.
 *
 * With no stage after the hinted line filters every entry the source hands out is kept, so
 * one read cut at `limit` is the answer. Otherwise the pipeline decides which entries stay,
 * and the range is read in pages from the end the direction starts at — each a read cut at
 * a growing size — until `limit` entries were kept or the range is exhausted, as Loki's
 * iterators stop once the limit is reached: a query whose filters keep many lines reads a
 * sliver of the range. A page cut at its size may end inside a run of entries of one
 * timestamp; that run is left to the next page, which reads up to and including it, so no
 * entry is read twice or missed.
 */
import type { LogQuery } from "./ast.ts";
import { Bounds } from "./bounds.ts";
import { splitLineFilterHints } from "./line-filters.ts";
import { compilePipeline, type Pipeline } from "./pipeline.ts";
import type { LogQLParams, LogResultEntry, LogSelectRequest, LogSource, LogStream } from "./source.ts";

/** The first page of a filtered read, in entries; a next one is sized from the share of entries kept, at most PAGE_GROWTH times larger. */
const FIRST_PAGE = 1000;
const PAGE_GROWTH = 4;

export async function runLogQuery(source: LogSource, query: LogQuery, params: LogQLParams, bounds: Bounds): Promise<LogResultEntry[]> {
  const { hints, rest } = splitLineFilterHints(query.pipeline);
  const pipeline = compilePipeline(rest);
  const request: LogSelectRequest = {
    matchers: query.matchers.map(({ name, op, value }) => ({ name, op, value })),
    startNs: params.startNs,
    endNs: params.endNs,
    direction: params.direction,
    ...(hints.length > 0 ? { lineFilters: hints } : {}),
  };
  const read = (r: LogSelectRequest) => bounds.guard(() => source.select(r, params.signal));
  const out: LogResultEntry[] = [];
  if (rest.length === 0) {
    keepEntries(await read({ ...request, limit: params.limit }), pipeline, params, bounds, out);
  } else {
    await readPages(read, request, pipeline, params, bounds, out);
  }
  const forward = params.direction === "forward";
  out.sort((a, b) => (a.timestampNs === b.timestampNs ? 0 : (a.timestampNs < b.timestampNs) === forward ? -1 : 1));
  return out.length > params.limit ? out.slice(0, params.limit) : out;
}

/** Pages of the range, from the end `direction` starts at, until `limit` entries were kept. */
async function readPages(
  read: (r: LogSelectRequest) => Promise<LogStream[]>,
  request: LogSelectRequest,
  pipeline: Pipeline,
  params: LogQLParams,
  bounds: Bounds,
  out: LogResultEntry[],
): Promise<void> {
  const forward = params.direction === "forward";
  let { startNs, endNs } = request;
  let size = Math.max(FIRST_PAGE, params.limit);
  while (startNs < endNs && out.length < params.limit) {
    const streams = await read({ ...request, startNs, endNs, limit: size });
    let count = 0;
    let edge: bigint | undefined;
    for (const s of streams) {
      for (const e of s.entries) {
        count++;
        if (edge === undefined || (forward ? e.timestampNs > edge : e.timestampNs < edge)) edge = e.timestampNs;
      }
    }
    // Fewer than asked: the page holds every entry left in the range.
    if (count < size || edge === undefined) {
      keepEntries(streams, pipeline, params, bounds, out);
      return;
    }
    const inner = streams.map((s) => ({ labels: s.labels, entries: s.entries.filter((e) => e.timestampNs !== edge) }));
    // The whole page is one timestamp: read it again, larger, until the run fits.
    if (inner.every((s) => s.entries.length === 0)) {
      size *= PAGE_GROWTH;
      continue;
    }
    const before = out.length;
    keepEntries(inner, pipeline, params, bounds, out);
    if (forward) startNs = edge;
    else endNs = edge + 1n;
    // The next page: enough for the entries still wanted at the share the pipeline kept so far, within PAGE_GROWTH times this one.
    const share = (out.length - before) / inner.reduce((n, s) => n + s.entries.length, 0);
    const enough = share > 0 ? Math.ceil(((params.limit - out.length) / share) * 1.5) : Number.POSITIVE_INFINITY;
    size = Math.max(FIRST_PAGE, Math.min(enough, size * PAGE_GROWTH));
  }
}

/** The entries of `streams` the pipeline keeps, with their labels, appended to `out` (at most `limit` per stream). */
function keepEntries(streams: readonly LogStream[], pipeline: Pipeline, params: LogQLParams, bounds: Bounds, out: LogResultEntry[]): void {
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
}
