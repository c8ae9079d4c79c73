/**
 * The Loki subset Grafana's Loki data source needs for log browsing:
 * - `GET|POST /loki/api/v1/query_range` (`query`, `start`, `end`, `since`, `limit` 100,
 *   `direction` backward|forward) → `{ status: "success", data: { resultType: "streams",
 *   result: [{ stream: {labels}, values: [["<ns>", "<line>"], ...] }], stats: {} } }`;
 * - `GET /loki/api/v1/labels` (alias `/label`) and `GET /loki/api/v1/label/:name/values`
 *   → `{ status: "success", data: [...] }`.
 * Times: unix ns, unix seconds (int or decimal) or RFC3339. Defaults as Loki's: query_range
 * covers the last hour (or `since`), label endpoints the last 6 hours. Errors are JSON
 * `{ error, status }` (Loki answers plain text; Grafana shows either).
 */
import type { Table } from "apache-arrow";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { durationNs, GO_DURATION, PROMETHEUS_DURATION } from "../../../shared/duration/index.ts";
import { LOG_COLUMNS } from "../../../shared/query/index.ts";
import { logQueriesOf, parseLogQL, requireNarrowingMatcher } from "../../../shared/query/logql/index.ts";
import { decimalStrings, strings } from "./arrow-values.ts";
import type { RouterEnv } from "./env.ts";
import { HttpError, badRequest } from "./errors.ts";
import { countParam, lokiTime, nonEmpty, parseParams } from "./params.ts";
import { queryParams, withoutEmpty } from "./request.ts";
import type { RouteDeps } from "./route-deps.ts";
import { tenantOf } from "./tenancy.ts";
import { nowNs } from "./time-params.ts";

export const LOKI_DEFAULT_LIMIT = 100;
const QUERY_RANGE_DEFAULT_SINCE_NS = 3_600_000_000_000n; // 1h

const since = z.string().transform((s, ctx) => {
  // Loki reads `since` as a Prometheus duration and, failing that, a Go one ("1.5h").
  const ns = durationNs(s, PROMETHEUS_DURATION) ?? durationNs(s, GO_DURATION);
  if (ns === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a duration such as "1h" or "30m", got "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return ns;
});

const rangeFields = { start: lokiTime.optional(), end: lokiTime.optional(), since: since.optional() };

function queryRangeParams(maxLimit: number) {
  return z.object({
    query: nonEmpty("query"),
    limit: countParam(LOKI_DEFAULT_LIMIT, maxLimit),
    direction: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(["forward", "backward"], { error: "expected forward or backward" }))
      .default("backward"),
    ...rangeFields,
  });
}

/** Loki's defaulting: end = now, start = end − since. Returned as ns decimal strings. */
function timeRange(p: { start?: bigint; end?: bigint; since?: bigint }, defaultSince: bigint): { startNs: string; endNs: string } {
  const end = p.end ?? nowNs();
  const start = p.start ?? end - (p.since ?? defaultSince);
  if (start > end) throw badRequest("invalid time range: start must not be after end");
  return { startNs: start.toString(), endNs: end.toString() };
}

export function registerLokiRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const rangeSchema = queryRangeParams(deps.maxResultRows);

  const queryRange = async (c: Context<RouterEnv>, input: Record<string, string>) => {
    const p = parseParams(rangeSchema, input);
    // Both throw a 400 QueryError: a syntax error naming its position, or Loki's refusal of a
    // selector that narrows nothing.
    for (const selector of logQueriesOf(parseLogQL(p.query))) requireNarrowingMatcher(selector.matchers);
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run(
      { kind: "logs", org: orgId, bucket, ...timeRange(p, QUERY_RANGE_DEFAULT_SINCE_NS), query: p.query, limit: p.limit, direction: p.direction },
      c.req.raw.signal,
    );
    const result = streamsOf(table);
    deps.limits.checkSeries(orgId, result.length, "log streams");
    return c.json({ status: "success", data: { resultType: "streams", result, stats: {} } });
  };
  app.get("/loki/api/v1/query_range", deps.guard, (c) => queryRange(c, queryParams(c)));
  // Loki also takes an x-www-form-urlencoded body (long queries); URL parameters fill gaps.
  app.post("/loki/api/v1/query_range", deps.guard, async (c) => queryRange(c, { ...queryParams(c), ...withoutEmpty(await formBody(c)) }));
}

async function formBody(c: Context<RouterEnv>): Promise<Record<string, unknown>> {
  const type = c.req.header("Content-Type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) return {};
  return (await c.req.parseBody()) as Record<string, unknown>;
}

export interface LokiStream {
  stream: Record<string, string>;
  values: Array<[string, string]>;
}

/**
 * Groups rows into streams by their label set, keeping the backend's row order (it already
 * sorted by time in the requested direction); streams appear in order of their first line.
 */
export function streamsOf(table: Table): LokiStream[] {
  const labelsText = strings(table, LOG_COLUMNS.labels);
  const time = decimalStrings(table, LOG_COLUMNS.timeUnixNano);
  const line = strings(table, LOG_COLUMNS.line);
  const streams = new Map<string, LokiStream>();
  for (let row = 0; row < table.numRows; row++) {
    const text = labelsText(row);
    let stream = streams.get(text);
    if (!stream) {
      const labels = parseLabels(text);
      const key = canonicalKey(labels);
      stream = streams.get(key);
      if (!stream) {
        stream = { stream: labels, values: [] };
        streams.set(key, stream);
      }
      streams.set(text, stream);
    }
    stream.values.push([time(row), line(row)]);
  }
  return [...new Set(streams.values())];
}

function parseLabels(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(502, "query backend returned a labels value that is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(502, "query backend returned a labels value that is not a JSON object");
  }
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** The same label set written in another key order is the same stream. */
function canonicalKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}
