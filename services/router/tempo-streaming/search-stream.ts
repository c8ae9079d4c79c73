/**
 * Streaming search as Tempo's query frontend does it: the time range is cut into jobs,
 * newest first, and after each job the client gets the traces it had not seen yet with the
 * metrics so far (`completedJobs` of `totalJobs`); the last message carries the final
 * metrics. Grafana shows the traces as they come and keeps the first copy of each trace id.
 *
 * Each job is one `/api/search` request answered in-process by the router's HTTP app, so
 * tenancy, tokens, per-org concurrency, parameter checks and error statuses are exactly the
 * HTTP API's. A job stops the search once `limit` traces were sent: the newest jobs come
 * first, so later ones could only add older traces. (A trace that overlaps two jobs is
 * found by the newer one and sent once.)
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { StreamingError, streamingErrorOf } from "./grpc-status.ts";

/** The newest job covers this much (Tempo's frontend searches the recent past first, then blocks). */
const FIRST_JOB_SECONDS = 15 * 60;
/** Each older job covers this many times the one before: few jobs even for days. */
const JOB_GROWTH = 4;
const DEFAULT_LIMIT = 20;

/** Tempo's `SearchRequest` as proto-loader presents it (camelCased field names). */
export interface SearchRequestMessage {
  Tags?: Record<string, string>;
  MinDurationMs?: number;
  MaxDurationMs?: number;
  Limit?: number;
  start?: number;
  end?: number;
  Query?: string;
  SpansPerSpanSet?: number;
}

interface TraceJson {
  traceID: string;
  [field: string]: unknown;
}

interface SearchMetricsJson {
  inspectedTraces?: number;
  inspectedBytes?: string;
  inspectedSpans?: string;
}

export interface SearchResponseMessage {
  traces: TraceJson[];
  metrics: {
    inspectedTraces: number;
    inspectedBytes: string;
    inspectedSpans: string;
    completedJobs: number;
    totalJobs: number;
  };
}

/** Answers one HTTP request in-process (the router's Hono app). */
export type LocalFetch = (request: Request) => Response | Promise<Response>;

/** [start, end] in unix seconds, newest first; one unbounded job without both bounds. */
export function searchJobs(start: number | undefined, end: number | undefined): Array<{ start?: number; end?: number }> {
  if (start === undefined || end === undefined || end <= start) return [{ start, end }];
  const jobs: Array<{ start: number; end: number }> = [];
  for (let hi = end, width = FIRST_JOB_SECONDS; hi > start; width *= JOB_GROWTH) {
    const lo = Math.max(start, hi - width);
    jobs.push({ start: lo, end: hi });
    hi = lo;
  }
  return jobs;
}

/** The `/api/search` query string of a request, without its time range. */
export function searchQuery(request: SearchRequestMessage): URLSearchParams {
  const params = new URLSearchParams();
  if (request.Query) params.set("q", request.Query);
  const tags = Object.entries(request.Tags ?? {});
  if (tags.length > 0) params.set("tags", tags.map(([k, v]) => `${logfmtKey(k)}=${JSON.stringify(v)}`).join(" "));
  if (request.MinDurationMs) params.set("minDuration", `${request.MinDurationMs}ms`);
  if (request.MaxDurationMs) params.set("maxDuration", `${request.MaxDurationMs}ms`);
  if (request.Limit) params.set("limit", String(request.Limit));
  if (request.SpansPerSpanSet) params.set("spss", String(request.SpansPerSpanSet));
  return params;
}

function logfmtKey(key: string): string {
  if (key === "" || /[\s="]/.test(key)) throw new StreamingError(GrpcStatus.INVALID_ARGUMENT, `invalid tag name ${JSON.stringify(key)}: tags are logfmt keys (no spaces, '=' or '"')`);
  return key;
}

/**
 * Runs the search job by job, handing each message to `send`. `headers` carry the tenant
 * and token (the call's metadata); `signal` ends the search when the client goes away.
 */
export async function streamSearch(
  request: SearchRequestMessage,
  fetchLocal: LocalFetch,
  headers: Headers,
  send: (message: SearchResponseMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const base = searchQuery(request);
  const limit = request.Limit || DEFAULT_LIMIT;
  const jobs = searchJobs(request.start || undefined, request.end || undefined);
  const seen = new Set<string>();
  const metrics = { inspectedTraces: 0, inspectedBytes: 0n, inspectedSpans: 0n };
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i]!;
    const params = new URLSearchParams(base);
    if (job.start !== undefined) params.set("start", String(job.start));
    if (job.end !== undefined) params.set("end", String(job.end));
    const response = await fetchLocal(new Request(`http://router.local/api/search?${params}`, { headers, signal }));
    if (!response.ok) throw await streamingErrorOf(response);
    const body = (await response.json()) as { traces?: TraceJson[]; metrics?: SearchMetricsJson };
    const fresh: TraceJson[] = [];
    for (const trace of body.traces ?? []) {
      if (seen.size >= limit || seen.has(trace.traceID)) continue;
      seen.add(trace.traceID);
      fresh.push(trace);
    }
    metrics.inspectedTraces += body.metrics?.inspectedTraces ?? 0;
    metrics.inspectedBytes += BigInt(body.metrics?.inspectedBytes ?? "0");
    metrics.inspectedSpans += BigInt(body.metrics?.inspectedSpans ?? "0");
    const done = seen.size >= limit || i === jobs.length - 1;
    send({
      traces: fresh,
      metrics: {
        inspectedTraces: metrics.inspectedTraces,
        inspectedBytes: metrics.inspectedBytes.toString(),
        inspectedSpans: metrics.inspectedSpans.toString(),
        completedJobs: i + 1,
        // Stopped early (limit reached): the jobs left were not needed.
        totalJobs: done ? i + 1 : jobs.length,
      },
    });
    if (done) return;
  }
}
