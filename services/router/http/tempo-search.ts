/**
 * Tempo search: `GET /api/search` with `q` (TraceQL, validated up front so a typo is a 400 with
 * its position) or `tags` (logfmt) + `minDuration` / `maxDuration`, and `limit` (20), `spss`
 * (3), `start` / `end` (unix seconds). Answers Tempo's SearchResponse JSON:
 * `{ traces: [{ traceID, rootServiceName, rootTraceName, startTimeUnixNano, durationMs,
 * spanSet?, spanSets? }], metrics: { inspectedTraces, inspectedBytes, completedJobs, totalJobs } }`.
 */
import type { Table } from "apache-arrow";
import type { Hono } from "hono";
import { z } from "zod";
import { SEARCH_COLUMNS, SEARCH_METADATA, type SpanSet, type SpanSetSpan } from "../../../shared/query/index.ts";
import { parseTraceQLSearch } from "../../../shared/query/traceql/index.ts";
import { decimalStrings, strings } from "./arrow-values.ts";
import type { RouterEnv } from "./env.ts";
import { HttpError, badRequest } from "./errors.ts";
import { checkRange, countParam, goDuration, logfmtTags, parseParams, unixSeconds } from "./params.ts";
import { queryParams } from "./request.ts";
import type { RouteDeps } from "./route-deps.ts";
import { tenantOf } from "./tenancy.ts";

export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_DEFAULT_SPSS = 3;
/** Tempo's default `max_spans_per_span_set`. */
export const SEARCH_MAX_SPSS = 100;

/** Tempo's span-set JSON is what the querier writes in `span_sets`. */
export type TempoSpan = SpanSetSpan;
export type TempoSpanSet = SpanSet;

export interface TempoTraceSearchMetadata {
  traceID: string;
  rootServiceName: string;
  rootTraceName: string;
  startTimeUnixNano: string;
  durationMs: number;
  /** Deprecated by Tempo in favour of spanSets, still read by older Grafana: the first set. */
  spanSet?: TempoSpanSet;
  spanSets?: TempoSpanSet[];
  /** Spans and error spans of each service, over the whole trace (absent from an older querier). */
  serviceStats?: Record<string, { spanCount: number; errorCount?: number }>;
}

export interface TempoSearchResponse {
  traces: TempoTraceSearchMetadata[];
  metrics: { inspectedTraces: number; inspectedBytes: string; inspectedSpans?: string; completedJobs: number; totalJobs: number };
}

function searchParams(maxLimit: number) {
  return z.object({
    // Whitespace-only counts as absent, like an empty parameter.
    q: z
      .string()
      .transform((s) => (s.trim() === "" ? undefined : s))
      .optional(),
    tags: logfmtTags.optional(),
    minDuration: goDuration.optional(),
    maxDuration: goDuration.optional(),
    limit: countParam(SEARCH_DEFAULT_LIMIT, maxLimit),
    spss: countParam(SEARCH_DEFAULT_SPSS, SEARCH_MAX_SPSS),
    start: unixSeconds.optional(),
    end: unixSeconds.optional(),
  });
}

export function registerSearchRoute(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const schema = searchParams(deps.maxResultRows);
  app.get("/api/search", deps.guard, async (c) => {
    const p = parseParams(schema, queryParams(c));
    checkRange(p.start, p.end);
    if (p.minDuration !== undefined && p.maxDuration !== undefined && BigInt(p.maxDuration) < BigInt(p.minDuration)) {
      throw badRequest("invalid parameter \"maxDuration\": must not be less than minDuration");
    }
    if (p.q !== undefined) parseTraceQLSearch(p.q); // throws TraceQLError (400, with position)
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run(
      {
        kind: "search",
        org: orgId,
        bucket,
        startNs: p.start,
        endNs: p.end,
        tags: p.tags && Object.keys(p.tags).length > 0 ? p.tags : undefined,
        minDurationNs: p.minDuration,
        maxDurationNs: p.maxDuration,
        limit: p.limit,
        spss: p.spss,
        q: p.q,
      },
      c.req.raw.signal,
    );
    return c.json(searchResponse(table));
  });
}

export function searchResponse(table: Table): TempoSearchResponse {
  const traceId = strings(table, SEARCH_COLUMNS.traceId);
  const rootService = strings(table, SEARCH_COLUMNS.rootServiceName);
  const rootName = strings(table, SEARCH_COLUMNS.rootTraceName);
  const start = decimalStrings(table, SEARCH_COLUMNS.startTimeUnixNano);
  const duration = decimalStrings(table, SEARCH_COLUMNS.durationNano);
  const spanSetsText = table.getChild(SEARCH_COLUMNS.spanSets) ? strings(table, SEARCH_COLUMNS.spanSets) : () => "";
  const serviceStatsText = table.getChild(SEARCH_COLUMNS.serviceStats) ? strings(table, SEARCH_COLUMNS.serviceStats) : undefined;
  const traces: TempoTraceSearchMetadata[] = [];
  for (let row = 0; row < table.numRows; row++) {
    const trace: TempoTraceSearchMetadata = {
      traceID: traceId(row),
      rootServiceName: rootService(row),
      rootTraceName: rootName(row),
      startTimeUnixNano: start(row),
      // Tempo: uint32(durationNanos / 1e6), truncated.
      durationMs: Number(BigInt(duration(row)) / 1_000_000n),
    };
    const sets = parseSpanSets(spanSetsText(row), trace.traceID);
    if (sets.length > 0) {
      trace.spanSet = sets[0];
      trace.spanSets = sets;
    }
    if (serviceStatsText) trace.serviceStats = parseJsonObject(serviceStatsText(row), "service_stats", trace.traceID);
    traces.push(trace);
  }
  const meta = table.schema.metadata;
  const inspectedSpans = meta.get(SEARCH_METADATA.inspectedSpans);
  return {
    traces,
    metrics: {
      inspectedTraces: Number(meta.get(SEARCH_METADATA.inspectedTraces) ?? table.numRows),
      inspectedBytes: meta.get(SEARCH_METADATA.inspectedBytes) ?? "0",
      ...(inspectedSpans !== undefined ? { inspectedSpans } : {}),
      completedJobs: 1,
      totalJobs: 1,
    },
  };
}

function parseJsonObject<T>(text: string, column: string, traceId: string): T {
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as T;
  } catch {
    // answered below
  }
  throw new HttpError(502, `query backend returned invalid ${column} JSON for trace ${traceId}`);
}

/** The span_sets column: a JSON array of SpanSet (shared/query/results.ts). */
function parseSpanSets(text: string, traceId: string): TempoSpanSet[] {
  if (text === "") return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new HttpError(502, `query backend returned invalid span_sets JSON for trace ${traceId}`);
  }
  if (!Array.isArray(raw)) throw new HttpError(502, `query backend returned span_sets that is not an array for trace ${traceId}`);
  return raw.map((set: { spans?: unknown[]; matched?: unknown; attributes?: unknown }) => {
    const spans = (Array.isArray(set?.spans) ? set.spans : []).map(toTempoSpan);
    // Spanset attributes: by() groups and pipeline aggregates (TraceQL pipelines).
    const attributes = Array.isArray(set?.attributes) && set.attributes.length > 0 ? { attributes: set.attributes } : {};
    return { spans, matched: typeof set?.matched === "number" ? set.matched : spans.length, ...attributes };
  });
}

function toTempoSpan(value: unknown): TempoSpan {
  const s = (value ?? {}) as Record<string, unknown>;
  return {
    spanID: String(s.spanID ?? ""),
    ...(typeof s.name === "string" && s.name !== "" ? { name: s.name } : {}),
    startTimeUnixNano: String(s.startTimeUnixNano ?? "0"),
    durationNanos: String(s.durationNanos ?? "0"),
    ...(Array.isArray(s.attributes) && s.attributes.length > 0 ? { attributes: s.attributes } : {}),
  };
}
