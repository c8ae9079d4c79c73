/**
 * Parameters of Loki's metadata endpoints, read as `pkg/loghttp` reads them: the URL's and a
 * POST form body's values alike; `start`/`end` in ns, unix seconds or RFC3339, defaulting to
 * [min(end, now) − since, now] with `since` 1h (`bounds`); `step` in seconds or a Prometheus
 * duration, defaulting to range/250 s (`defaultQueryRangeStep`); at most 11,000 steps. Every
 * problem is a 400 naming the parameter.
 */
import { durationNs, GO_DURATION, PROMETHEUS_DURATION } from "../../../../shared/duration/index.ts";
import { badRequest } from "../errors.ts";
import { lokiTimeToNs, nowNs } from "../time-params.ts";

const SECOND_NS = 1_000_000_000n;
const DEFAULT_SINCE_NS = 3_600n * SECOND_NS;
/** Loki's bound on points per series (11,000: 60 s resolution for a week). */
const MAX_STEPS = 11_000n;

export interface LokiRange {
  startNs: bigint;
  endNs: bigint;
}

function timeParam(params: URLSearchParams, name: string): bigint | undefined {
  const text = params.get(name);
  if (text === null || text === "") return undefined;
  const ns = lokiTimeToNs(text);
  if (ns === undefined) throw badRequest(`could not parse '${name}' parameter: expected unix nanoseconds, unix seconds or an RFC3339 time, got "${text.slice(0, 40)}"`);
  return ns;
}

/** Loki's `bounds`; `defaultSinceNs` overrides the 1 h window (the label endpoints use 6 h). */
export function lokiRange(params: URLSearchParams, defaultSinceNs = DEFAULT_SINCE_NS): LokiRange {
  const sinceText = params.get("since");
  let sinceNs = defaultSinceNs;
  if (sinceText !== null && sinceText !== "") {
    const ns = durationNs(sinceText, PROMETHEUS_DURATION) ?? durationNs(sinceText, GO_DURATION);
    if (ns === undefined) throw badRequest(`could not parse 'since' parameter: expected a duration such as "1h", got "${sinceText.slice(0, 40)}"`);
    sinceNs = ns;
  }
  const now = nowNs();
  const endNs = timeParam(params, "end") ?? now;
  const startNs = timeParam(params, "start") ?? (endNs > now ? now : endNs) - sinceNs;
  if (startNs > endNs) throw badRequest("invalid time range: end timestamp must not be before start time");
  return { startNs, endNs };
}

/** `step` in ns: float seconds or a Prometheus duration; Loki's default for the range otherwise. */
export function lokiStep(params: URLSearchParams, range: LokiRange): bigint {
  const text = params.get("step");
  let stepNs: bigint;
  if (text === null || text === "") {
    const seconds = (range.endNs - range.startNs) / SECOND_NS / 250n;
    stepNs = (seconds > 1n ? seconds : 1n) * SECOND_NS;
  } else if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    stepNs = BigInt(Math.round(Number(text) * 1e9));
  } else {
    const ns = durationNs(text, PROMETHEUS_DURATION);
    if (ns === undefined) throw badRequest(`invalid parameter "step": cannot parse "${text.slice(0, 40)}" to a valid duration`);
    stepNs = ns;
  }
  if (stepNs <= 0n) throw badRequest("zero or negative query resolution step widths are not accepted. Try a positive integer");
  if ((range.endNs - range.startNs) / stepNs > MAX_STEPS) {
    throw badRequest("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
  }
  return stepNs;
}

/** A positive whole-number parameter (`limit`, `line_limit`); absent or empty: `fallback`. */
export function lokiCount(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const text = params.get(name);
  if (text === null || text === "") return fallback;
  if (!/^-?\d{1,10}$/.test(text)) throw badRequest(`invalid parameter "${name}": expected a whole number, got "${text.slice(0, 40)}"`);
  const n = Number(text);
  if (n <= 0) throw badRequest(`${name} must be a positive value`);
  if (n > max) throw badRequest(`invalid parameter "${name}": must be at most ${max}, got ${n}`);
  return n;
}

/** The query parameter, required. */
export function requiredQuery(params: URLSearchParams): string {
  const query = params.get("query");
  if (query === null || query.trim() === "") throw badRequest('invalid parameter "query": query is required');
  return query;
}
