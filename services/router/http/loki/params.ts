/**
 * Parameters of Loki's query API, read as Loki reads them (grafana/loki `pkg/loghttp`):
 * URL parameters and, for POST, a form body; times as unix ns (more than 10 digits), unix
 * seconds (decimal allowed) or RFC 3339; `since`, `step` and `interval` as a Prometheus
 * duration or (fractional) seconds. Messages are Loki's where it has one.
 */
import type { Context } from "hono";
import { durationNs, GO_DURATION, PROMETHEUS_DURATION } from "../../../../shared/duration/index.ts";
import type { RouterEnv } from "../env.ts";
import { lokiTimeToNs, nowNs } from "../time-params.ts";
import { lokiBadRequest } from "./errors.ts";

export const LOKI_DEFAULT_LIMIT = 100;
export const DEFAULT_SINCE_NS = 3_600_000_000_000n;
const NS_PER_S = 1_000_000_000n;
/** Loki's bound on points per series of a range query (`errStepTooSmall`). */
const MAX_POINTS = 11_000n;
/** Loki's default `max_query_length` (721h): the longest time range one query may read. */
export const MAX_QUERY_LENGTH_NS = 721n * 3_600n * NS_PER_S;

/** Every parameter, URL first, then a POST's form body (which fills what the URL lacks). */
export async function lokiParams(c: Context<RouterEnv>): Promise<URLSearchParams> {
  const params = new URLSearchParams(new URL(c.req.url).search);
  if (c.req.method === "POST") {
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    if (type.startsWith("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(await c.req.text())) if (!params.get(k)) params.set(k, v);
    }
  }
  return params;
}

const present = (params: URLSearchParams, name: string) => {
  const v = params.get(name);
  return v === null || v === "" ? undefined : v;
};

export function timeParam(params: URLSearchParams, name: string, fallback: bigint): bigint {
  const text = present(params, name);
  if (text === undefined) return fallback;
  const ns = lokiTimeToNs(text);
  if (ns === undefined) throw lokiBadRequest(`could not parse '${name}' parameter: cannot parse "${text.slice(0, 64)}" to a valid timestamp`);
  return ns;
}

/** A Prometheus duration or (fractional) seconds, in ns (`parseSecondsOrDuration`). */
export function secondsOrDuration(params: URLSearchParams, name: string): bigint | undefined {
  const text = present(params, name);
  if (text === undefined) return undefined;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const seconds = Number(text);
    if (!Number.isFinite(seconds) || Math.abs(seconds) > 9.2e9) throw lokiBadRequest(`cannot parse "${text}" to a valid duration. It overflows int64`);
    return BigInt(Math.round(seconds * 1e9));
  }
  const ns = durationNs(text, PROMETHEUS_DURATION);
  if (ns === undefined) throw lokiBadRequest(`cannot parse "${text.slice(0, 64)}" to a valid duration`);
  return ns;
}

/**
 * `start`/`end`/`since` as Loki's `determineBounds`: end defaults to now, start to end − since
 * (1h; the label endpoints pass the 6h Loki documents for them).
 */
export function rangeBounds(params: URLSearchParams, defaultSinceNs = DEFAULT_SINCE_NS): { startNs: bigint; endNs: bigint } {
  const now = nowNs();
  const sinceText = present(params, "since");
  let since = defaultSinceNs;
  if (sinceText !== undefined) {
    const ns = durationNs(sinceText, PROMETHEUS_DURATION) ?? durationNs(sinceText, GO_DURATION);
    if (ns === undefined) throw lokiBadRequest(`could not parse 'since' parameter: not a valid duration string: "${sinceText.slice(0, 64)}"`);
    since = ns;
  }
  const endNs = timeParam(params, "end", now);
  const endOrNow = endNs > now ? now : endNs;
  const startNs = timeParam(params, "start", endOrNow - since);
  if (endNs < startNs) throw lokiBadRequest("end timestamp must not be before or equal to start time");
  return { startNs, endNs };
}

export function limitParam(params: URLSearchParams, max: number): number {
  const text = present(params, "limit");
  if (text === undefined) return LOKI_DEFAULT_LIMIT;
  if (!/^-?\d{1,12}$/.test(text)) throw lokiBadRequest(`strconv.Atoi: parsing "${text.slice(0, 64)}": invalid syntax`);
  const n = Number(text);
  if (n <= 0) throw lokiBadRequest("limit must be a positive value");
  if (n > max) throw lokiBadRequest(`max entries limit per query exceeded, limit > max_entries_limit_per_query (${n} > ${max})`);
  return n;
}

export function directionParam(params: URLSearchParams): "forward" | "backward" {
  const text = present(params, "direction");
  if (text === undefined) return "backward";
  const d = text.toLowerCase();
  if (d !== "forward" && d !== "backward") throw lokiBadRequest(`invalid direction '${text.slice(0, 64)}'`);
  return d;
}

/** `step` (default: the range / 250, at least 1s), refused when ≤ 0 or past 11,000 points. */
export function stepParam(params: URLSearchParams, startNs: bigint, endNs: bigint): bigint {
  let step = secondsOrDuration(params, "step");
  if (step === undefined) {
    const seconds = (endNs - startNs) / NS_PER_S / 250n;
    step = (seconds > 1n ? seconds : 1n) * NS_PER_S;
  }
  if (step <= 0n) throw lokiBadRequest("zero or negative query resolution step widths are not accepted. Try a positive integer");
  if ((endNs - startNs) / step > MAX_POINTS) {
    throw lokiBadRequest("exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter");
  }
  return step;
}

export function intervalParam(params: URLSearchParams): bigint {
  const interval = secondsOrDuration(params, "interval") ?? 0n;
  if (interval < 0n) throw lokiBadRequest("interval must be >= 0");
  return interval;
}

/** Loki's `max_query_length` check over what a query reads (its range plus its longest range vector and offset). */
export function checkQueryLength(readNs: bigint): void {
  if (readNs > MAX_QUERY_LENGTH_NS) {
    throw lokiBadRequest(`the query time range exceeds the limit (query length: ${goDuration(readNs)}, limit: ${goDuration(MAX_QUERY_LENGTH_NS)})`);
  }
}

/** Go's `time.Duration.String()` for whole seconds and above (`721h0m0s`). */
export function goDuration(ns: bigint): string {
  const totalS = ns / NS_PER_S;
  const fracNs = ns % NS_PER_S;
  const h = totalS / 3600n;
  const m = (totalS % 3600n) / 60n;
  const s = totalS % 60n;
  const sec = fracNs === 0n ? `${s}` : `${s}.${fracNs.toString().padStart(9, "0").replace(/0+$/, "")}`;
  if (h > 0n) return `${h}h${m}m${sec}s`;
  if (m > 0n) return `${m}m${sec}s`;
  return `${sec}s`;
}
