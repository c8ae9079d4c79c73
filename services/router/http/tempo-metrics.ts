/**
 * TraceQL metrics, as Tempo serves them: `GET /api/metrics/query_range` and
 * `GET /api/metrics/query` (instant). Parameters as Tempo's pkg/api parses them: the query in
 * `q` (or `query`); `start`/`end` as unix seconds, nanoseconds, fractional seconds or
 * RFC3339 (default: the hour before `end` = now, or `since` before it); `step` in seconds or a
 * Go duration (default: Tempo's ~240 points); `exemplars` (default and cap 100).
 *
 * `metricsQueryRange` / `metricsQueryInstant` take parsed parameters and answer Tempo's
 * response objects: the HTTP routes here and the gRPC streaming querier both call them.
 */
import type { Hono } from "hono";
import { z } from "zod";
import { durationNs, PROMETHEUS_DURATION, GO_DURATION } from "../../../shared/duration/index.ts";
import { TRACEQL_METRICS_COLUMNS, traceqlMetrics } from "../../../shared/query/index.ts";
import type { Tenant } from "../../../shared/tenancy/index.ts";
import { strings } from "./arrow-values.ts";
import type { RouterEnv } from "./env.ts";
import { badRequest, HttpError } from "./errors.ts";
import { parseParams } from "./params.ts";
import { queryParams } from "./request.ts";
import type { RouteDeps } from "./route-deps.ts";
import type { RunQuery } from "./run-query.ts";
import { tenantOf } from "./tenancy.ts";
import { lokiTimeToNs, nowNs } from "./time-params.ts";

export interface MetricsRangeParams {
  query: string;
  startNs: bigint;
  endNs: bigint;
  /** Absent: Tempo's default for the range. */
  stepNs?: bigint;
  /** 0: the default (100). */
  exemplars?: number;
}

export interface MetricsInstantParams {
  query: string;
  startNs: bigint;
  endNs: bigint;
}

type MetricsDeps = Pick<RouteDeps, "run" | "limits">;

/** Runs a range query: validated and aligned as Tempo's frontend does, evaluated by a querier. */
export async function metricsQueryRange(
  deps: MetricsDeps, tenant: Tenant, p: MetricsRangeParams, signal?: AbortSignal,
): Promise<traceqlMetrics.QueryRangeResponse> {
  const window = traceqlMetrics.rangeWindow(p.startNs, p.endNs, p.stepNs ?? traceqlMetrics.defaultStepNs(p.startNs, p.endNs));
  return runWindow(deps, tenant, p.query, window, p.exemplars ?? 0, signal);
}

/** Runs an instant query: one interval over (start, end], each series' value. */
export async function metricsQueryInstant(
  deps: MetricsDeps, tenant: Tenant, p: MetricsInstantParams, signal?: AbortSignal,
): Promise<traceqlMetrics.QueryInstantResponse> {
  const window = traceqlMetrics.instantWindow(p.startNs, p.endNs);
  return traceqlMetrics.instantResponse(await runWindow(deps, tenant, p.query, window, 0, signal));
}

async function runWindow(
  deps: MetricsDeps, tenant: Tenant, query: string, window: traceqlMetrics.MetricsWindow, exemplars: number, signal?: AbortSignal,
): Promise<traceqlMetrics.QueryRangeResponse> {
  if (query.trim() === "") throw badRequest('invalid parameter "q": a TraceQL metrics query is required');
  traceqlMetrics.parseMetricsQuery(query); // TraceQLError: 400 naming the position
  const table = await deps.run(
    {
      kind: "traceql_metrics",
      org: tenant.orgId,
      bucket: tenant.bucket,
      startNs: window.startNs.toString(),
      endNs: window.endNs.toString(),
      stepNs: window.stepNs.toString(),
      instant: window.instant,
      query,
      exemplars,
    },
    signal,
  );
  if (table.numRows !== 1) throw new HttpError(502, `query backend returned ${table.numRows} rows for a metrics query`);
  const response = JSON.parse(strings(table, TRACEQL_METRICS_COLUMNS.response)(0)) as traceqlMetrics.QueryRangeResponse;
  deps.limits.checkSeries(tenant.orgId, response.series.length, "series");
  return response;
}

/** Tempo's parseTimestamp forms (integers of ≤ 10 digits are seconds, longer ones nanoseconds). */
const timestamp = z.string().transform((s, ctx) => {
  const ns = lokiTimeToNs(s);
  if (ns === undefined) {
    ctx.addIssue({ code: "custom", message: `expected unix seconds, unix nanoseconds or an RFC3339 time, got "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return ns;
});

/** `since`: a Prometheus duration ("1h", "90m"). */
const since = z.string().transform((s, ctx) => {
  const ns = durationNs(s, PROMETHEUS_DURATION);
  if (ns === undefined || ns <= 0n) {
    ctx.addIssue({ code: "custom", message: `expected a duration such as "15m" or "1h", got "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return ns;
});

/** `step`: seconds (possibly fractional) or a Go duration. */
const step = z.string().transform((s, ctx) => {
  if (/^\d+(\.\d+)?$/.test(s)) {
    const ns = BigInt(Math.round(Number(s) * 1e9));
    if (ns > 0n) return ns;
  } else {
    const ns = durationNs(s, GO_DURATION);
    if (ns !== undefined && ns > 0n) return ns;
  }
  ctx.addIssue({ code: "custom", message: `expected a positive number of seconds or a duration such as "30s", got "${s.slice(0, 40)}"` });
  return z.NEVER;
});

const exemplars = z.string().transform((s, ctx) => {
  if (!/^\d{1,9}$/.test(s)) {
    ctx.addIssue({ code: "custom", message: `expected a whole number, got "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return Number(s);
});

const common = { q: z.string().optional(), query: z.string().optional(), start: timestamp.optional(), end: timestamp.optional(), since: since.optional() };
const rangeSchema = z.object({ ...common, step: step.optional(), exemplars: exemplars.optional() });
const instantSchema = z.object(common);

/** Tempo's bounds: end defaults to now; start to `since` (1 h) before min(end, now). */
function bounds(p: { start?: bigint; end?: bigint; since?: bigint }): { startNs: bigint; endNs: bigint } {
  const now = nowNs();
  const endNs = p.end ?? now;
  const startNs = p.start ?? (endNs < now ? endNs : now) - (p.since ?? 3_600_000_000_000n);
  return { startNs, endNs };
}

export function registerMetricsRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  app.get("/api/metrics/query_range", deps.guard, async (c) => {
    const p = parseParams(rangeSchema, queryParams(c));
    const query = p.q ?? p.query ?? "";
    const response = await metricsQueryRange(deps, tenantOf(c), { query, ...bounds(p), stepNs: p.step, exemplars: p.exemplars }, c.req.raw.signal);
    return c.json(response);
  });
  app.get("/api/metrics/query", deps.guard, async (c) => {
    const p = parseParams(instantSchema, queryParams(c));
    const query = p.q ?? p.query ?? "";
    return c.json(await metricsQueryInstant(deps, tenantOf(c), { query, ...bounds(p) }, c.req.raw.signal));
  });
}
