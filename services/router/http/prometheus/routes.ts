/**
 * The Prometheus HTTP API under `/prometheus` (Grafana's Prometheus data source URL is
 * `http://<router>:3000/prometheus`, as for Mimir): query, query_range, series, labels,
 * label values, metadata, query_exemplars, status/buildinfo, format_query. Bodies and status
 * codes are Prometheus's (responses.ts). Queries are parsed here, so a bad one is refused with
 * its position before anything is gathered; evaluation runs in a querier (promql ticket).
 */
import type { Table } from "apache-arrow";
import type { Context, Hono } from "hono";
import { PROM_COLUMNS, promqlReadRange } from "../../../../shared/query/index.ts";
import { DEFAULT_LOOKBACK_DELTA_MS, parsePromQL, SERIES_LIMIT_KEY, type Expr, type PromErrorType } from "../../../../shared/query/promql/index.ts";
import type { LabelMatcher } from "../../../../shared/series/index.ts";
import { strings } from "../arrow-values.ts";
import type { RouterEnv } from "../env.ts";
import type { QueryLimits } from "../query-limits.ts";
import type { RunQuery } from "../run-query.ts";
import { tenantOf } from "../tenancy.ts";
import type { MiddlewareHandler } from "hono";
import { formatExpr } from "./format-query.ts";
import { badData, durationParam, limitParam, matchParams, MAX_POINTS_PER_SERIES, promParams, timeParam } from "./params.ts";
import { promError, promErrorResponse, promSuccess } from "./responses.ts";

export const PROMETHEUS_PREFIX = "/prometheus/api/v1";
/** The Prometheus API level the endpoints follow (Grafana reads it from buildinfo). */
export const PROMETHEUS_COMPATIBLE_VERSION = "2.53.0";

export interface PrometheusRouteDeps {
  /** A runner whose deadline is past `queryTimeoutMs`, so the querier's own timeout answers first. */
  run: RunQuery;
  guard: MiddlewareHandler<RouterEnv>;
  /** `query.timeout`: the longest a PromQL evaluation may take (a smaller `timeout` parameter wins). */
  queryTimeoutMs: number;
  /** Per-org limits: the series a PromQL query may fetch (`limits.max_query_series`). */
  limits: Pick<QueryLimits, "seriesLimit" | "seriesLimitHit">;
  /** `router.max_result_rows`: the most series, names or values a listing answers. */
  maxResultRows: number;
  buildInfo: { revision: string; branch: string; buildUser: string; buildDate: string; goVersion: string };
}

const ERROR_STATUS: Record<string, number> = { bad_data: 400, execution: 422, timeout: 503, canceled: 499, internal: 500 };
const ALL_TIME_MS = { start: -9_000_000_000_000, end: 9_000_000_000_000 };

type Handler = (c: Context<RouterEnv>, params: URLSearchParams) => Promise<Response>;

export function registerPrometheusRoutes(app: Hono<RouterEnv>, deps: PrometheusRouteDeps): void {
  const route = (path: string, handler: Handler, methods: ("GET" | "POST")[] = ["GET", "POST"]) => {
    const wrapped = async (c: Context<RouterEnv>) => {
      try {
        return await handler(c, await promParams(c));
      } catch (err) {
        const answer = promErrorResponse(err);
        if (answer) return answer;
        throw err;
      }
    };
    for (const method of methods) app.on(method, `${PROMETHEUS_PREFIX}${path}`, deps.guard, wrapped);
  };

  const ns = (ms: number) => (BigInt(Math.floor(ms)) * 1_000_000n).toString();
  const tenant = (c: Context<RouterEnv>) => {
    const { orgId, bucket } = tenantOf(c);
    return { org: orgId, bucket };
  };

  const evaluate = async (c: Context<RouterEnv>, params: URLSearchParams, expr: Expr, at: { timeMs: number } | { range: { startMs: number; endMs: number; stepMs: number } }) => {
    const timeout = Math.min(durationParam(params, "timeout") ?? deps.queryTimeoutMs, deps.queryTimeoutMs);
    const lookbackDeltaMs = durationParam(params, "lookback_delta") ?? DEFAULT_LOOKBACK_DELTA_MS;
    const [from, to] = "timeMs" in at ? [at.timeMs, at.timeMs] : [at.range.startMs, at.range.endMs];
    const read = promqlReadRange(expr, from, to, lookbackDeltaMs);
    const { org, bucket } = tenant(c);
    const table = await deps.run(
      {
        kind: "promql", org, bucket, query: params.get("query")!, ...at, lookbackDeltaMs, timeoutMs: Math.max(1, timeout),
        maxSeries: deps.limits.seriesLimit(org),
        ...(read ? { startNs: ns(Math.max(0, read.startMs)), endNs: ns(Math.max(0, read.endMs)) } : {}),
      },
      c.req.raw.signal,
    );
    return promqlAnswer(table, () => deps.limits.seriesLimitHit(org));
  };

  route("/query", async (c, params) => {
    const expr = parsePromQL(params.get("query") ?? "");
    return evaluate(c, params, expr, { timeMs: timeParam(params, "time", Date.now()) });
  });

  route("/query_range", async (c, params) => {
    const startMs = requiredTime(params, "start");
    const endMs = requiredTime(params, "end");
    if (endMs < startMs) throw badData("end timestamp must not be before start time");
    const stepMs = durationParam(params, "step");
    if (stepMs === undefined) throw badData('invalid parameter "step": cannot parse "" to a valid duration');
    if (stepMs <= 0) throw badData("zero or negative query resolution step widths are not accepted. Try a positive integer");
    if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES) {
      throw badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
    }
    const expr = parsePromQL(params.get("query") ?? "");
    return evaluate(c, params, expr, { range: { startMs, endMs, stepMs } });
  });

  const listing = (params: URLSearchParams) => {
    const startMs = timeParam(params, "start", ALL_TIME_MS.start);
    const endMs = timeParam(params, "end", ALL_TIME_MS.end);
    if (endMs < startMs) throw badData("end timestamp must not be before start time");
    const limit = limitParam(params);
    // One more than asked: tells whether the answer was cut (Prometheus then warns).
    const ask = limit === 0 ? deps.maxResultRows : Math.min(limit + 1, deps.maxResultRows);
    const range = startMs === ALL_TIME_MS.start && endMs === ALL_TIME_MS.end ? {} : { startNs: ns(Math.max(0, startMs)), endNs: ns(Math.max(0, endMs)) };
    return { range, limit, ask };
  };
  const truncated = <T>(items: T[], limit: number): Response =>
    limit > 0 && items.length > limit ? promSuccess(items.slice(0, limit), ["results truncated due to limit"]) : promSuccess(items);

  route("/series", async (c, params) => {
    const match = matchParams(params);
    if (match.length === 0) throw badData("no match[] parameter provided");
    const { range, limit, ask } = listing(params);
    const table = await deps.run({ kind: "prom_series", ...tenant(c), ...range, match, limit: ask }, c.req.raw.signal);
    return truncated(column(table, PROM_COLUMNS.labels).map((l) => JSON.parse(l) as Record<string, string>), limit);
  });

  route("/labels", async (c, params) => {
    const { range, limit, ask } = listing(params);
    const table = await deps.run({ kind: "prom_labels", ...tenant(c), ...range, match: matchParams(params), limit: ask }, c.req.raw.signal);
    return truncated(column(table, PROM_COLUMNS.name), limit);
  });

  route(
    "/label/:name/values",
    async (c, params) => {
      const name = c.req.param("name") ?? "";
      if (name === "" || name.length > 1024) throw badData(`invalid label name: ${JSON.stringify(name)}`);
      const { range, limit, ask } = listing(params);
      const table = await deps.run({ kind: "prom_label_values", ...tenant(c), ...range, name, match: matchParams(params), limit: ask }, c.req.raw.signal);
      return truncated(column(table, PROM_COLUMNS.value), limit);
    },
    ["GET"],
  );

  route(
    "/metadata",
    async (c, params) => {
      const limit = intParam(params, "limit");
      const perMetric = intParam(params, "limit_per_metric");
      const metric = params.get("metric") ?? undefined;
      const table = await deps.run({ kind: "prom_metadata", ...tenant(c), ...(metric ? { metric } : {}), limit: limit > 0 ? limit : 0 }, c.req.raw.signal);
      const data: Record<string, { type: string; help: string; unit: string }[]> = {};
      const [names, types, helps, units] = [PROM_COLUMNS.metric, PROM_COLUMNS.type, PROM_COLUMNS.help, PROM_COLUMNS.unit].map((n) => column(table, n));
      names!.forEach((name, i) => {
        const list = (data[name] ??= []);
        if (perMetric <= 0 || list.length < perMetric) list.push({ type: types![i]!, help: helps![i]!, unit: units![i]! });
      });
      return promSuccess(data);
    },
    ["GET"],
  );

  route("/query_exemplars", async (c, params) => {
    const expr = parsePromQL(params.get("query") ?? "");
    const startMs = timeParam(params, "start", ALL_TIME_MS.start);
    const endMs = timeParam(params, "end", ALL_TIME_MS.end);
    if (endMs < startMs) throw badData("end timestamp must not be before start time");
    const match = selectorsOf(expr);
    if (match.length === 0) return promSuccess([]);
    const range = { startNs: ns(Math.max(0, startMs)), endNs: ns(Math.max(0, endMs)) };
    const table = await deps.run({ kind: "prom_exemplars", ...tenant(c), ...range, match }, c.req.raw.signal);
    const labels = column(table, PROM_COLUMNS.labels);
    const exemplars = column(table, PROM_COLUMNS.exemplars);
    return promSuccess(labels.map((l, i) => ({ seriesLabels: JSON.parse(l), exemplars: JSON.parse(exemplars[i]!) })));
  });

  route("/format_query", async (_c, params) => promSuccess(formatExpr(parsePromQL(params.get("query") ?? ""))));

  app.get(`${PROMETHEUS_PREFIX}/status/buildinfo`, (c) => c.json({ status: "success", data: { version: PROMETHEUS_COMPATIBLE_VERSION, ...deps.buildInfo } }));
}

/** The promql ticket's row → Prometheus's answer (the result JSON is passed through as text). */
function promqlAnswer(table: Table, onSeriesLimit: () => void): Response {
  const [errorType] = column(table, PROM_COLUMNS.errorType);
  if (errorType) {
    const [error] = column(table, PROM_COLUMNS.error);
    if (errorType === "execution" && error?.includes(SERIES_LIMIT_KEY)) onSeriesLimit();
    return promError(errorType as PromErrorType, error ?? "", ERROR_STATUS[errorType] ?? 500);
  }
  const [resultType] = column(table, PROM_COLUMNS.resultType);
  const [result] = column(table, PROM_COLUMNS.result);
  return new Response(`{"status":"success","data":{"resultType":${JSON.stringify(resultType)},"result":${result}}}`, {
    headers: { "content-type": "application/json" },
  });
}

function column(table: Table, name: string): string[] {
  const get = strings(table, name);
  return Array.from({ length: table.numRows }, (_, i) => get(i));
}

function requiredTime(params: URLSearchParams, name: string): number {
  const ms = timeParam(params, name, Number.NaN);
  if (Number.isNaN(ms)) throw badData(`invalid parameter "${name}": cannot parse "" to a valid timestamp`);
  return ms;
}

function intParam(params: URLSearchParams, name: string): number {
  const text = params.get(name);
  if (text === null || text === "") return 0;
  if (!/^-?\d+$/.test(text)) throw badData(`invalid parameter "${name}": cannot parse "${text}" to a valid number`);
  return Number(text);
}

/** The matchers of every selector in a query (the exemplars API reads their series). */
function selectorsOf(expr: Expr): LabelMatcher[][] {
  const out: LabelMatcher[][] = [];
  const visit = (e: Expr): void => {
    switch (e.type) {
      case "VectorSelector": out.push(e.matchers); return;
      case "MatrixSelector": out.push(e.selector.matchers); return;
      case "Subquery": case "Unary": case "Paren": return visit(e.expr);
      case "Call": return e.args.forEach(visit);
      case "Aggregate": if (e.param) visit(e.param); return visit(e.expr);
      case "Binary": visit(e.lhs); return visit(e.rhs);
      default: return;
    }
  };
  visit(expr);
  return out;
}
