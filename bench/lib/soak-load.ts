/**
 * The soak's steady load: traces, logs and metrics with current times through the OTLP/HTTP
 * endpoints at a fixed pace, and a dashboard's queries through the query APIs (Tempo search
 * then trace by id, Loki logs and a log metric, Prometheus range queries), as Grafana sends
 * them. Each loop waits for its answer: a slow system gets fewer requests, not a pile of them.
 */
import { traceRequestBody } from "./otlp-traces.ts";
import { prng } from "./prng.ts";

const SERVICES = ["frontend", "checkout", "payments", "cart", "inventory", "shipping"] as const;
const ROUTES = ["/api/orders/{id}", "/api/cart", "/api/search", "/api/checkout", "/healthz"] as const;
const LEVELS: Array<[string, number]> = [["info", 9], ["info", 9], ["info", 9], ["debug", 5], ["warn", 13], ["error", 17]];
const MESSAGES = ["request completed", "cache miss", "slow downstream call", "upstream request timeout", "order placed"];

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

export interface SignalStats {
  ok: number;
  failed: number;
  /** Rows (spans, records, points) the acceptor answered 200 for. */
  rows: number;
  lastError?: string;
}

export interface LoadPlan {
  /** Spans per second and log records per second. */
  rate: number;
  /** Seconds between two metric exports (every series gets one point each time). */
  metricsEverySeconds: number;
  seed: number;
}

function logsBody(rnd: () => number, records: number): string {
  const int = (n: number) => Math.floor(rnd() * n);
  const hex = (chars: number) => Array.from({ length: chars }, () => int(16).toString(16)).join("");
  const now = nowNs();
  const byService = new Map<string, unknown[]>();
  for (let i = 0; i < records; i++) {
    const service = SERVICES[int(SERVICES.length)]!;
    const [level, severity] = LEVELS[int(LEVELS.length)]!;
    const route = ROUTES[int(ROUTES.length)]!;
    const record = {
      timeUnixNano: String(now - BigInt(int(1000)) * 1_000_000n),
      severityNumber: severity,
      severityText: level,
      body: { stringValue: `level=${level} msg="${MESSAGES[int(MESSAGES.length)]}" route=${route} status=${level === "error" ? 500 : 200} ms=${int(900)}` },
      attributes: [str("http.route", route), str("user.id", `user-${int(10_000)}`)],
      traceId: hex(32),
      spanId: hex(16),
    };
    const list = byService.get(service) ?? [];
    list.push(record);
    byService.set(service, list);
  }
  return JSON.stringify({
    resourceLogs: [...byService].map(([service, logRecords]) => ({
      resource: { attributes: [str("service.name", service), str("service.namespace", "shop"), str("k8s.pod.name", `${service}-0`)] },
      scopeLogs: [{ scope: { name: "soak" }, logRecords }],
    })),
  });
}

/** Every series once: a monotonic counter per service, route and status, a gauge per service and queue. */
function metricsBody(rnd: () => number, counters: Map<string, number>): { body: string; points: number } {
  const time = String(nowNs());
  let points = 0;
  const resourceMetrics = SERVICES.map((service) => {
    const requestPoints = ROUTES.flatMap((route) =>
      ["200", "500"].map((status) => {
        const key = `${service}|${route}|${status}`;
        const value = (counters.get(key) ?? 0) + Math.floor(rnd() * (status === "200" ? 50 : 3));
        counters.set(key, value);
        points++;
        return { attributes: [str("http.route", route), str("status", status)], startTimeUnixNano: "0", timeUnixNano: time, asDouble: value };
      }),
    );
    const queuePoints = ["orders", "emails", "events"].map((queue) => {
      points++;
      return { attributes: [str("queue", queue)], timeUnixNano: time, asDouble: Math.floor(rnd() * 100) };
    });
    return {
      resource: { attributes: [str("service.name", service)] },
      scopeMetrics: [
        {
          scope: { name: "soak" },
          metrics: [
            { name: "soak.requests", sum: { dataPoints: requestPoints, aggregationTemporality: 2, isMonotonic: true } },
            { name: "soak.queue.depth", gauge: { dataPoints: queuePoints } },
          ],
        },
      ],
    };
  });
  return { body: JSON.stringify({ resourceMetrics }), points };
}

/** Runs `step` every `everyMs` until `stopped()`; a step that overruns is not caught up on. */
async function paced(everyMs: number, stopped: () => boolean, step: () => Promise<void>): Promise<void> {
  let next = performance.now();
  while (!stopped()) {
    await step();
    next += everyMs;
    const wait = next - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    else next = performance.now();
  }
}

async function post(url: string, body: string | Uint8Array, contentType: string, rows: number, stats: SignalStats): Promise<void> {
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body });
    const text = await response.text();
    if (response.status === 200) {
      stats.ok++;
      stats.rows += rows;
    } else {
      stats.failed++;
      stats.lastError = `HTTP ${response.status} ${text.slice(0, 160)}`;
    }
  } catch (err) {
    stats.failed++;
    stats.lastError = (err as Error).message;
  }
}

export interface Ingest {
  stats: Record<"traces" | "logs" | "metrics", SignalStats>;
  done: Promise<void>;
}

export function startIngest(otlpHttp: string, plan: LoadPlan, stopped: () => boolean): Ingest {
  const stats = { traces: { ok: 0, failed: 0, rows: 0 }, logs: { ok: 0, failed: 0, rows: 0 }, metrics: { ok: 0, failed: 0, rows: 0 } };
  const rnd = prng(plan.seed);
  const counters = new Map<string, number>();
  // Twice a second, half the rate each time: requests of a size an SDK's batch processor sends.
  const perTick = Math.max(1, Math.round(plan.rate / 2));
  const done = Promise.all([
    paced(500, stopped, () =>
      // Spans start within the minute after baseNs: a minute back keeps them in the past.
      post(`http://${otlpHttp}/v1/traces`, traceRequestBody(rnd, perTick, nowNs() - 60_000_000_000n), "application/x-protobuf", perTick, stats.traces),
    ),
    paced(500, stopped, () => post(`http://${otlpHttp}/v1/logs`, logsBody(rnd, perTick), "application/json", perTick, stats.logs)),
    paced(plan.metricsEverySeconds * 1000, stopped, () => {
      const { body, points } = metricsBody(rnd, counters);
      return post(`http://${otlpHttp}/v1/metrics`, body, "application/json", points, stats.metrics);
    }),
  ]).then(() => undefined);
  return { stats, done };
}

export interface QueryStats {
  ok: number;
  failed: number;
  /** Answers that held no data although data was sent within the window. */
  empty: number;
  ms: number[];
  lastError?: string;
}

export const QUERY_KINDS = ["tempo_search", "trace_by_id", "loki_logs", "loki_metric", "prom_range"] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

export interface Queries {
  stats: Record<QueryKind, QueryStats>;
  done: Promise<void>;
}

/** A dashboard refresh every `everySeconds`: each panel over the last `windowSeconds`. */
export function startQueries(routerHttp: string, everySeconds: number, windowSeconds: number, stopped: () => boolean): Queries {
  const stats = Object.fromEntries(QUERY_KINDS.map((k) => [k, { ok: 0, failed: 0, empty: 0, ms: [] }])) as unknown as Record<QueryKind, QueryStats>;
  const base = `http://${routerHttp}`;
  let turn = 0;
  const run = async (kind: QueryKind, path: string, count: (json: any) => number): Promise<any> => {
    const s = stats[kind];
    const started = performance.now();
    try {
      const response = await fetch(base + path);
      const text = await response.text();
      s.ms.push(performance.now() - started);
      if (response.status !== 200) {
        s.failed++;
        s.lastError = `HTTP ${response.status} ${text.slice(0, 160)}`;
        return undefined;
      }
      const json = JSON.parse(text);
      s.ok++;
      if (count(json) === 0) s.empty++;
      return json;
    } catch (err) {
      s.failed++;
      s.lastError = (err as Error).message;
      return undefined;
    }
  };
  const done = paced(everySeconds * 1000, stopped, async () => {
    const service = SERVICES[turn++ % SERVICES.length]!;
    const endS = Math.floor(Date.now() / 1000);
    const startS = endS - windowSeconds;
    const q = encodeURIComponent;
    const search = await run("tempo_search", `/api/search?q=${q(`{ resource.service.name = "${service}" }`)}&start=${startS}&end=${endS}&limit=20`, (j) => j.traces?.length ?? 0);
    const traceId: string | undefined = search?.traces?.[0]?.traceID;
    if (traceId) await run("trace_by_id", `/api/traces/${traceId}`, (j) => j.batches?.length ?? j.resourceSpans?.length ?? 0);
    const ns = (s: number) => `${s}000000000`;
    const range = `&start=${ns(startS)}&end=${ns(endS)}`;
    await run("loki_logs", `/loki/api/v1/query_range?query=${q(`{service_name="${service}"} |= "timeout"`)}${range}&limit=100&direction=backward`, (j) => j.data?.result?.length ?? 0);
    await run("loki_metric", `/loki/api/v1/query_range?query=${q(`sum by (service_name) (count_over_time({service_name=~".+"} [1m]))`)}${range}&step=15`, (j) => j.data?.result?.length ?? 0);
    const promRange = `&start=${startS}&end=${endS}&step=15`;
    await run("prom_range", `/prometheus/api/v1/query_range?query=${q("sum by (http_route) (rate(soak_requests_total[1m]))")}${promRange}`, (j) => j.data?.result?.length ?? 0);
    await run("prom_range", `/prometheus/api/v1/query_range?query=${q("max(soak_queue_depth)")}${promRange}`, (j) => j.data?.result?.length ?? 0);
  });
  return { stats, done };
}
