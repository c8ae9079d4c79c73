/**
 * `/loki/api/v1/tail`: Loki's live tail over a WebSocket (Bun's, through Hono). Parameters
 * as Loki's: `query` (a log query), `limit` (per message, default 100), `start` (default an
 * hour ago), `delay_for` (seconds to stay behind now, at most 5). Bad parameters are refused
 * with Loki's plain-text 400 before the upgrade. Once open, the entries since `start` are
 * sent, then every `TAIL_POLL_MS` the ones that arrived since, each batch one message
 * `{"streams":[{"stream":{…},"values":[["<ns>","<line>"]]}]}` (categorised, with
 * `encodingFlags`, when the request carries `X-Loki-Response-Encoding-Flags`). Each poll is a
 * `logql` ticket (forward, from the last entry sent). The socket closes after
 * TAIL_MAX_DURATION_MS (Loki's `tail_max_duration`), or with code 1011 and the reason when a
 * poll fails.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { upgradeWebSocket } from "hono/bun";
import type { WSContext } from "hono/ws";
import type { LogQLStreamsJson } from "../../../../shared/query/index.ts";
import type { RouterEnv } from "../env.ts";
import type { RouteDeps } from "../route-deps.ts";
import { nowNs } from "../time-params.ts";
import { lokiBadRequest, lokiErrorResponse } from "./errors.ts";
import { DEFAULT_SINCE_NS, limitParam, lokiParams, timeParam } from "./params.ts";
import { CATEGORIZE_LABELS, parseQuery, readAnswer, runLogQL, wantsCategorizedLabels } from "./query.ts";
import { lokiStreams } from "./streams.ts";

export const TAIL_POLL_MS = 1_000;
export const TAIL_MAX_DURATION_MS = 3_600_000;
const MAX_DELAY_FOR_S = 5;

interface TailRequest {
  query: string;
  expr: ReturnType<typeof parseQuery>["expr"];
  limit: number;
  startNs: bigint;
  delayNs: bigint;
  categorize: boolean;
}

function tailRequest(c: Context<RouterEnv>, params: URLSearchParams, deps: RouteDeps): TailRequest {
  const { text, expr } = parseQuery(params);
  if (expr.kind !== "log") throw lokiBadRequest("tail queries must be log queries (a stream selector and a pipeline), not metric queries");
  const delayText = params.get("delay_for") ?? "";
  const delay = delayText === "" ? 0 : Number(delayText);
  if (!/^\d{0,10}$/.test(delayText)) throw lokiBadRequest(`strconv.Atoi: parsing "${delayText.slice(0, 64)}": invalid syntax`);
  if (delay > MAX_DELAY_FOR_S) throw lokiBadRequest(`delay_for can't be greater than ${MAX_DELAY_FOR_S}`);
  return {
    query: text,
    expr,
    limit: limitParam(params, deps.maxResultRows),
    startNs: timeParam(params, "start", nowNs() - DEFAULT_SINCE_NS),
    delayNs: BigInt(delay) * 1_000_000_000n,
    categorize: wantsCategorizedLabels(c),
  };
}

export function registerTailRoute(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const validate: MiddlewareHandler<RouterEnv> = async (c, next) => {
    try {
      tailRequest(c, await lokiParams(c), deps);
    } catch (err) {
      const answer = lokiErrorResponse(err);
      if (answer) return answer;
      throw err;
    }
    if ((c.req.header("upgrade") ?? "").toLowerCase() !== "websocket") return c.text("tail needs a WebSocket upgrade request", 400);
    await next();
  };
  app.get(
    "/loki/api/v1/tail",
    deps.guard,
    validate,
    upgradeWebSocket(async (c) => {
      const request = tailRequest(c, await lokiParams(c), deps);
      let stop: (() => void) | undefined;
      return {
        onOpen: (_event, ws) => {
          stop = startTail(c, deps, request, ws);
        },
        onClose: () => stop?.(),
        onError: () => stop?.(),
      };
    }),
  );
}

/** Polls until stopped; returns the stop function. */
function startTail(c: Context<RouterEnv>, deps: RouteDeps, request: TailRequest, ws: WSContext): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = Date.now() + TAIL_MAX_DURATION_MS;
  let fromNs = request.startNs;
  // Entries already sent at `fromNs` (the next poll starts there again: others may share the ns).
  let sentAtFrom = new Set<string>();

  const poll = async (): Promise<void> => {
    if (stopped) return;
    if (Date.now() > deadline) {
      ws.close(1000, "tail reached its maximum duration");
      return;
    }
    const toNs = nowNs() - request.delayNs;
    let full = false;
    if (toNs > fromNs) {
      const table = await runLogQL(c, deps, { query: request.query, expr: request.expr, evalStartNs: fromNs, evalEndNs: toNs, limit: request.limit, direction: "forward" });
      if (stopped) return;
      const groups = readAnswer(table).result as LogQLStreamsJson;
      const fresh = newEntries(groups, fromNs, sentAtFrom);
      full = groups.reduce((n, g) => n + g.values.length, 0) >= request.limit;
      if (fresh.groups.length > 0) {
        const streams = lokiStreams(fresh.groups, request.categorize, "forward");
        ws.send(JSON.stringify(request.categorize ? { streams, encodingFlags: [CATEGORIZE_LABELS] } : { streams }));
        fromNs = fresh.lastNs;
        sentAtFrom = fresh.atLast;
      }
    }
    timer = setTimeout(run, full ? 0 : TAIL_POLL_MS);
  };
  const run = () => {
    poll().catch((err: unknown) => {
      if (stopped) return;
      stopped = true;
      ws.close(1011, String((err as Error)?.message ?? err).slice(0, 120));
    });
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The entries not sent yet, the newest time among everything sent, and the entries sent at it. */
function newEntries(groups: LogQLStreamsJson, fromNs: bigint, sentAtFrom: Set<string>): { groups: LogQLStreamsJson; lastNs: bigint; atLast: Set<string> } {
  let lastNs = fromNs;
  const out: LogQLStreamsJson = [];
  const keyOf = (g: LogQLStreamsJson[number], ts: string, line: string) => `${JSON.stringify(g.stream)}\u0001${JSON.stringify(g.structuredMetadata)}\u0001${ts}\u0001${line}`;
  for (const g of groups) {
    const values = g.values.filter(([ts, line]) => !(BigInt(ts) === fromNs && sentAtFrom.has(keyOf(g, ts, line))));
    if (values.length > 0) out.push({ ...g, values });
    for (const [ts] of values) if (BigInt(ts) > lastNs) lastNs = BigInt(ts);
  }
  const atLast = lastNs === fromNs ? new Set(sentAtFrom) : new Set<string>();
  for (const g of out) for (const [ts, line] of g.values) if (BigInt(ts) === lastNs) atLast.add(keyOf(g, ts, line));
  return { groups: out, lastNs, atLast };
}
