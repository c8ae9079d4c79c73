/**
 * `/loki/api/v1/query` and `/loki/api/v1/query_range` (GET, or POST with a form body), as
 * Loki answers them: `{"status":"success","data":{"resultType","result","stats"}}` — streams
 * for log queries (plain, or categorised when the request carries
 * `X-Loki-Response-Encoding-Flags: categorize-labels`), a matrix for metric range queries, a
 * vector or scalar for instant ones. Instant log queries are refused as Loki refuses them.
 * The query is parsed here (a syntax error is a 400 naming its position) and evaluated in a
 * querier (`logql` ticket) over the range it reads; errors are Loki's plain text.
 */
import type { Table } from "apache-arrow";
import type { Context, Hono } from "hono";
import { LOGQL_COLUMNS, type LogQLStats, type LogQLStreamsJson } from "../../../../shared/query/index.ts";
import { logQueriesOf, longestRangeNs, parseLogQL, refuseLongRange, requireNarrowingMatcher, type LogQLExpr } from "../../../../shared/query/logql/index.ts";
import { strings } from "../arrow-values.ts";
import type { RouterEnv } from "../env.ts";
import type { RouteDeps } from "../route-deps.ts";
import { tenantOf } from "../tenancy.ts";
import { nowNs } from "../time-params.ts";
import { lokiBadRequest, lokiErrorResponse } from "./errors.ts";
import {
  checkQueryLength, directionParam, intervalParam, limitParam, lokiParams, MAX_QUERY_LENGTH_NS, rangeBounds, stepParam, timeParam,
} from "./params.ts";
import { lokiStats } from "./stats.ts";
import { entryCount, lokiStreams } from "./streams.ts";

export const ENCODING_FLAGS_HEADER = "X-Loki-Response-Encoding-Flags";
export const CATEGORIZE_LABELS = "categorize-labels";

/** Loki's `ErrUnsupportedSyntaxForInstantQuery`. */
const INSTANT_LOG_QUERY = "log queries are not supported as an instant query type, please change your query to a range query type";

type Handler = (c: Context<RouterEnv>, params: URLSearchParams) => Promise<Response>;

/** Registers GET and POST on `path`, with Loki's error answers. */
export function lokiRoute(app: Hono<RouterEnv>, deps: RouteDeps, path: string, handler: Handler): void {
  const wrapped = async (c: Context<RouterEnv>) => {
    try {
      return await handler(c, await lokiParams(c));
    } catch (err) {
      const answer = lokiErrorResponse(err);
      if (answer) return answer;
      throw err;
    }
  };
  app.get(path, deps.guard, wrapped);
  app.post(path, deps.guard, wrapped);
}

/** The parsed query, with Loki's refusal of selectors that narrow nothing. */
export function parseQuery(params: URLSearchParams): { text: string; expr: LogQLExpr } {
  const text = params.get("query") ?? "";
  // Matchers and filters also run in JS here, where a NUL would silently match nothing.
  if (text.includes("\u0000")) throw lokiBadRequest("the query contains a NUL byte (U+0000), which a query cannot match");
  const expr = parseLogQL(text);
  for (const selector of logQueriesOf(expr)) requireNarrowingMatcher(selector.matchers);
  return { text, expr };
}

export function wantsCategorizedLabels(c: Context<RouterEnv>): boolean {
  const header = c.req.header(ENCODING_FLAGS_HEADER) ?? "";
  return header.split(",").some((f) => f.trim() === CATEGORIZE_LABELS);
}

export interface LogQLRun {
  query: string;
  expr: LogQLExpr;
  evalStartNs: bigint;
  evalEndNs: bigint;
  stepNs?: bigint;
  limit: number;
  direction: "forward" | "backward";
}

/** Sends a `logql` ticket over the range the query reads; refuses a range vector past Loki's max query length. */
export async function runLogQL(c: Context<RouterEnv>, deps: RouteDeps, run: LogQLRun): Promise<Table> {
  refuseLongRange(run.expr, MAX_QUERY_LENGTH_NS);
  const readStart = run.evalStartNs - longestRangeNs(run.expr);
  const { orgId, bucket } = tenantOf(c);
  return deps.run(
    {
      kind: "logql", org: orgId, bucket, query: run.query,
      startNs: (readStart > 0n ? readStart : 0n).toString(), endNs: run.evalEndNs.toString(),
      evalStartNs: run.evalStartNs.toString(), evalEndNs: run.evalEndNs.toString(),
      ...(run.stepNs !== undefined ? { stepNs: run.stepNs.toString() } : {}),
      limit: run.limit, direction: run.direction,
      ...(deps.queryTimeoutMs !== undefined ? { timeoutMs: deps.queryTimeoutMs } : {}),
    },
    c.req.raw.signal,
  );
}

export interface LogQLAnswer {
  resultType: string;
  result: unknown;
  stats: LogQLStats | undefined;
}

export function readAnswer(table: Table): LogQLAnswer {
  if (table.numRows !== 1) throw new Error(`logql answer has ${table.numRows} rows, expected 1`);
  const stats = strings(table, LOGQL_COLUMNS.stats)(0);
  return {
    resultType: strings(table, LOGQL_COLUMNS.resultType)(0),
    result: JSON.parse(strings(table, LOGQL_COLUMNS.result)(0)),
    stats: stats === "" ? undefined : (JSON.parse(stats) as LogQLStats),
  };
}

export function registerQueryRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const answer = (c: Context<RouterEnv>, a: LogQLAnswer, started: number, direction: "forward" | "backward", intervalNs = 0n) => {
    const categorize = wantsCategorizedLabels(c);
    const result = a.resultType === "streams" ? lokiStreams(a.result as LogQLStreamsJson, categorize, direction, intervalNs) : a.result;
    const returned = a.resultType === "streams" ? entryCount(result as ReturnType<typeof lokiStreams>) : 0;
    if (a.resultType === "streams") deps.limits.checkSeries(tenantOf(c).orgId, (result as unknown[]).length, "log streams");
    else if (Array.isArray(result) && a.resultType !== "scalar") deps.limits.checkSeries(tenantOf(c).orgId, result.length, "series");
    const stats = lokiStats(a.stats, returned, (performance.now() - started) / 1000);
    return c.json({
      status: "success",
      data: { resultType: a.resultType, ...(categorize ? { encodingFlags: [CATEGORIZE_LABELS] } : {}), result, stats },
    });
  };

  lokiRoute(app, deps, "/loki/api/v1/query_range", async (c, params) => {
    const started = performance.now();
    const { text, expr } = parseQuery(params);
    const { startNs, endNs } = rangeBounds(params);
    const limit = limitParam(params, deps.maxResultRows);
    const direction = directionParam(params);
    const stepNs = stepParam(params, startNs, endNs);
    const intervalNs = intervalParam(params);
    checkQueryLength(endNs - startNs);
    const log = expr.kind === "log";
    const table = await runLogQL(c, deps, { query: text, expr, evalStartNs: startNs, evalEndNs: endNs, ...(log ? {} : { stepNs }), limit, direction });
    return answer(c, readAnswer(table), started, direction, log ? intervalNs : 0n);
  });

  lokiRoute(app, deps, "/loki/api/v1/query", async (c, params) => {
    const started = performance.now();
    const { text, expr } = parseQuery(params);
    if (expr.kind === "log") throw lokiBadRequest(INSTANT_LOG_QUERY);
    const time = timeParam(params, "time", nowNs());
    const limit = limitParam(params, deps.maxResultRows);
    const direction = directionParam(params);
    const table = await runLogQL(c, deps, { query: text, expr, evalStartNs: time, evalEndNs: time, limit, direction });
    return answer(c, readAnswer(table), started, direction);
  });
}
