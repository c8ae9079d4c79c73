/**
 * Parameters of the Prometheus HTTP API, read as Prometheus reads them: times are Unix seconds
 * (fractions allowed) or RFC3339; durations (`step`, `timeout`) a Prometheus duration or
 * seconds; `match[]` repeated; a POST's form body counts as URL parameters. Every problem is
 * a `bad_data` error naming the parameter.
 */
import type { Context } from "hono";
import { parsePromQL, PromQLError } from "../../../../shared/query/promql/index.ts";
import type { LabelMatcher } from "../../../../shared/series/index.ts";
import type { RouterEnv } from "../env.ts";
import { durationNs, PROMETHEUS_DURATION } from "../../../../shared/duration/index.ts";

/** Every value of every parameter: the URL's, then a form body's (GET and POST alike). */
export async function promParams(c: Context<RouterEnv>): Promise<URLSearchParams> {
  const params = new URLSearchParams(new URL(c.req.url).search);
  if (c.req.method === "POST") {
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    if (type.startsWith("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(await c.req.text())) params.append(k, v);
    }
  }
  return params;
}

export function badData(message: string): PromQLError {
  return new PromQLError("bad_data", message);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A time parameter in ms; `fallback` when absent or empty. */
export function timeParam(params: URLSearchParams, name: string, fallback: number): number {
  const text = params.get(name);
  if (text === null || text === "") return fallback;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (RFC3339.test(text)) {
    const ms = Date.parse(text.replace(" ", "T"));
    if (!Number.isNaN(ms)) return ms;
  }
  throw badData(`invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
}

/** A duration parameter in ms (`step`, `timeout`, `lookback_delta`). */
export function durationParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === "") return undefined;
  if (/^(\d+(\.\d*)?|\.\d+)$/.test(text)) return Math.round(Number(text) * 1000);
  const ns = durationNs(text, PROMETHEUS_DURATION);
  if (ns === undefined) throw badData(`invalid parameter "${name}": cannot parse "${text}" to a valid duration`);
  return Number(ns / 1_000_000n);
}

/** `limit`: a non-negative integer, 0 (or absent) = no limit. */
export function limitParam(params: URLSearchParams): number {
  const text = params.get("limit");
  if (text === null || text === "") return 0;
  if (!/^\d+$/.test(text)) throw badData(`invalid parameter "limit": cannot parse "${text}" to a valid limit`);
  return Number(text);
}

/** The matchers of each `match[]` selector (each must be a plain series selector). */
export function matchParams(params: URLSearchParams): LabelMatcher[][] {
  return params.getAll("match[]").map((text) => {
    const expr = parsePromQL(text);
    if (expr.type !== "VectorSelector") throw badData(`invalid parameter "match[]": ${JSON.stringify(text)} is not a series selector`);
    return expr.matchers;
  });
}

/** Prometheus's bound on a range query's resolution. */
export const MAX_POINTS_PER_SERIES = 11_000;
