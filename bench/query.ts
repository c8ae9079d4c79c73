/**
 * Query benchmark (issues #5, #19): ≥ 5M realistic spans as the writer lays them out (Parquet
 * files + SQLite catalog, cached between runs), then p50/p99 of trace by id, a tag search,
 * TraceQL searches (a filter, a structural one, a pipeline) and TraceQL metrics, three ways:
 *   sql    — the engine's own SQL statements straight in DuckDB over the same files (the
 *            ceiling; for search the statements of its newest-first plan);
 *   engine — QueryEngine.execute in this process (SQL + Arrow answer, no network);
 *   router — HTTP to a router process → querier process (Flight) → answer JSON, with a writer
 *            process running (the querier asks it for live rows, as in production).
 * The three are timed in turns (one run of each per iteration), so they see the same load.
 * Every figure is printed with the 1-minute load average: the machine is shared.
 *
 * usage: bun bench/query.ts [--spans 5000000] [--file-rows 200000] [--hours 3] [--iterations 100]
 *        [--warmup 500]  (untimed runs first: the roles' JavaScript (grpc-js, Hono, Arrow) reaches its fastest tier only after some hundreds of requests, as on a server that has been up a while)
 *        [--only "search"]  (only the cases whose name contains this)
 *        bun bench/query.ts --flush [--spans 1000000]   (appendArrow + writeParquet only)
 */
import { parseArgs } from "node:util";
import { cpus } from "node:os";
import { join } from "node:path";
import { openCatalog } from "../shared/catalog/index.ts";
import { openDuckDB } from "../shared/duckdb/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { parseTicket, traceqlMetrics, TRACEQL_METRICS_COLUMNS, type Ticket } from "../shared/query/index.ts";
import {
  builtInSql, createSourceView, filesViewSelect, QueryEngine, runSearch, runTraceQLMetrics, searchScope, traceByIdOverSelect, TraceIdIndex,
} from "../services/querier/engine/index.ts";
import type { BuiltInTicket } from "../services/querier/engine/built-in-sql.ts";
import { BUCKET, ensureDataset, ORG, type Dataset } from "./lib/query-dataset.ts";
import { runFlushBench } from "./lib/query-flush.ts";
import { load1, lpad, measureInTurns, ms, pad, type Latencies } from "./lib/query-timing.ts";
import { RestartingQueryCluster, type QueryClusterOptions } from "./lib/query-cluster.ts";

const { values: args } = parseArgs({
  options: {
    spans: { type: "string" },
    "file-rows": { type: "string", default: "200000" },
    hours: { type: "string", default: "3" },
    iterations: { type: "string", default: "100" },
    warmup: { type: "string", default: "500" },
    flush: { type: "boolean", default: false },
    only: { type: "string" },
  },
});

if (args.flush) {
  await runFlushBench(Number(args.spans ?? 1_000_000));
  process.exit(0);
}

const spans = Number(args.spans ?? 5_000_000);
const iterations = Number(args.iterations);
const warmup = Number(args.warmup);
const log = (line: string) => console.log(line);

log(`query bench: ${spans.toLocaleString()} spans, ${args["file-rows"]} per file, ${args.hours} h, ${iterations} iterations after ${warmup} untimed, ${cpus().length} cores, load ${load1()}`);
const dataset = await ensureDataset(
  { spans, fileRows: Number(args["file-rows"]), hours: Number(args.hours), seed: 42 },
  log,
);
log(`data set ${dataset.cached ? "(cached) " : ""}${dataset.dir}: ${dataset.files.length} files`);
if (dataset.flushes.length > 0) {
  const rows = dataset.flushes.reduce((n, f) => n + f.rows, 0);
  const wall = dataset.flushes.reduce((n, f) => n + f.wallMs, 0);
  const cpu = dataset.flushes.reduce((n, f) => n + f.cpuMs, 0);
  const loads = dataset.flushes.map((f) => f.load1);
  log(
    `flush (writeParquet): ${rows.toLocaleString()} spans in ${(wall / 1000).toFixed(1)} s wall = ${((rows / wall) * 1000).toFixed(0)} spans/s ` +
      `(${((wall / rows) * 1e6 / 1000).toFixed(1)} s per 1M), bench-process CPU ${(cpu / 1000).toFixed(1)} s, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
  );
}

// ---------------------------------------------------------------- the queries
const secs = (ns: string, up: boolean) => {
  const s = BigInt(ns) / 1_000_000_000n;
  return up && BigInt(ns) % 1_000_000_000n !== 0n ? s + 1n : s;
};
const startS = secs(dataset.startNs, false);
const endS = secs(dataset.endNs, true) + 60n;
const range = { startNs: String(startS * 1_000_000_000n), endNs: String(endS * 1_000_000_000n) };
// Tempo's legacy tags match a key outside its well-known list only as an equal string
// attribute: the status code is an int, so the method stands in for it.
const TAGS = { "http.request.method": "POST", "service.name": "checkout" };
const TRACEQL = '{ resource.service.name = "payment" && span.http.response.status_code >= 500 && duration > 100ms }';
// Issue #19's structural and pipeline searches, with the data set's attribute names.
const TRACEQL_STRUCTURAL = '{ span.http.request.method = "GET" } >> { span.db.system = "postgresql" }';
const TRACEQL_PIPELINE = "{ } | count() > 3";

/** TraceQL metrics over the data set's last hour at a 60 s step, as Grafana sends them. */
const METRICS_END_S = secs(dataset.endNs, false);
const METRICS_START_S = METRICS_END_S - 3600n;
const metricsWindow = traceqlMetrics.rangeWindow(METRICS_START_S * 1_000_000_000n, METRICS_END_S * 1_000_000_000n, 60_000_000_000n);
const metricsCase = (name: string, q: string): QueryCase => ({
  name,
  ticket: () =>
    parseTicket({
      kind: "traceql_metrics", org: ORG, bucket: BUCKET, query: q, startNs: String(metricsWindow.startNs), endNs: String(metricsWindow.endNs),
      stepNs: String(metricsWindow.stepNs),
    }),
  path: () => `/api/metrics/query_range?${new URLSearchParams({ q, start: String(METRICS_START_S), end: String(METRICS_END_S), step: "60s" })}`,
});

interface QueryCase {
  name: string;
  ticket(i: number): Ticket;
  path(i: number): string;
}

const traceId = (i: number) => dataset.traceIds[(i * 7919) % dataset.traceIds.length]!;
const cases: QueryCase[] = [
  {
    name: "trace by id",
    ticket: (i) => parseTicket({ kind: "trace_by_id", org: ORG, bucket: BUCKET, traceId: traceId(i) }),
    path: (i) => `/api/traces/${traceId(i)}`,
  },
  {
    name: "tag search",
    ticket: () => parseTicket({ kind: "search", org: ORG, bucket: BUCKET, ...range, tags: TAGS, limit: 20 }),
    path: () => `/api/search?${new URLSearchParams({
      tags: Object.entries(TAGS).map(([k, v]) => `${k}=${v}`).join(" "), limit: "20", start: String(startS), end: String(endS),
    })}`,
  },
  ...(
    [
      ["TraceQL search", TRACEQL],
      ["TraceQL structural search", TRACEQL_STRUCTURAL],
      ["TraceQL pipeline search", TRACEQL_PIPELINE],
    ] as const
  ).map(([name, q]) => ({
    name,
    ticket: () => parseTicket({ kind: "search", org: ORG, bucket: BUCKET, ...range, q, limit: 20 }),
    path: () => `/api/search?${new URLSearchParams({ q, limit: "20", start: String(startS), end: String(endS) })}`,
  })),
  metricsCase("metrics rate", "{} | rate() by (resource.service.name)"),
  metricsCase("metrics quantile", "{} | quantile_over_time(duration, .5, .9, .99)"),
];

// ---------------------------------------------------------------- the three paths
const quiet = createLogger({ level: "warn", bindings: { role: "bench" } });
const catalog = await openCatalog(dataset.catalogDsn, { log: quiet });
/**
 * The data set's files in a ticket's range, listed once: the ceiling is the SQL alone, so the
 * catalog listing (the querier's plumbing, timed in the router path) stays out of it.
 */
const listed = new Map<string, string[]>();
async function filesFor(ticket: Ticket): Promise<string[]> {
  const key = `${ticket.startNs}-${ticket.endNs}`;
  let files = listed.get(key);
  if (files === undefined) {
    const rows = await catalog.listDataFiles({ orgId: ORG, bucket: BUCKET, table: "traces", fromNs: ticket.startNs, toNs: ticket.endNs });
    files = rows.map((f) => join(dataset.storagePath, f.path));
    listed.set(key, files);
  }
  return files;
}

const engine = await QueryEngine.open({ log: quiet });
const raw = await openDuckDB();
await raw.connection.run("SET GLOBAL parquet_metadata_cache = true");
// The ceiling reads the same files as the engine: those the trace-id index says may hold the traces
// (for a trace by id, the rows it locates in them).
const rawTraceIds = new TraceIdIndex();

async function runSql(ticket: Ticket): Promise<number> {
  if (ticket.kind === "sql") throw new Error("not a built-in ticket");
  const connection = await raw.instance.connect();
  try {
    const files = await filesFor(ticket);
    if (ticket.kind === "trace_by_id") {
      // As the engine runs it: the rows the index locates, read through a subquery.
      const located = await rawTraceIds.locate(connection, files, [ticket.traceId]);
      if (located.files.length === 0) return 0;
      const select = await filesViewSelect(connection, "traces", null, located.files, { rowRanges: located.rows });
      return (await connection.runAndReadAll(traceByIdOverSelect(ticket, select, 100_000))).currentRowCount;
    }
    const search = ticket.kind === "search";
    const metrics = ticket.kind === "traceql_metrics";
    const liveTable = await createSourceView(connection, "traces", "src", { files, live: [] }, { dedicated: search || metrics, locate: search || metrics });
    if (metrics) {
      return seriesCount(await runTraceQLMetrics(connection, "src", ticket, 0));
    }
    // Search runs several statements (newest-first plan): the same ones, straight in DuckDB.
    if (ticket.kind === "search") return (await runSearch(connection, ticket, searchScope(connection, "src", liveTable, files, rawTraceIds), 100_000)).numRows;
    const reader = await connection.runAndReadAll(builtInSql(ticket as BuiltInTicket, "src", 100_000).sql);
    return reader.currentRowCount;
  } finally {
    connection.closeSync();
  }
}

async function runEngine(ticket: Ticket): Promise<number> {
  const table = await engine.execute(ticket, { files: await filesFor(ticket), live: [] });
  return ticket.kind === "traceql_metrics" ? seriesCount(table) : table.numRows;
}

/** A metrics answer is one row of JSON: count its series, as the other paths do. */
function seriesCount(table: { getChild(name: string): { get(i: number): unknown } | null }): number {
  return (JSON.parse(table.getChild(TRACEQL_METRICS_COLUMNS.response)!.get(0) as string) as { series: unknown[] }).series.length;
}

const cluster = await RestartingQueryCluster.start(clusterOptions(dataset), log);
async function runRouter(path: string): Promise<number> {
  const response = await fetch(cluster.router + path).catch((err: unknown) => {
    const states = Object.values(cluster.roles).map((r) => `${r.role}: exit ${r.proc.exitCode} signal ${r.proc.signalCode}`);
    const tail = cluster.roles.router.lines.slice(-5).map((l) => JSON.stringify(l));
    throw new Error(`router unreachable (${states.join(", ")}); router's last lines:\n${tail.join("\n")}`, { cause: err });
  });
  const body = (await response.json()) as { traces?: unknown[]; series?: unknown[]; batches?: unknown[]; trace?: { resourceSpans?: unknown[] } };
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.traces?.length ?? body.series?.length ?? body.trace?.resourceSpans?.length ?? body.batches?.length ?? 0;
}

try {
  const results: Array<{ name: string; sql: Latencies; engine: Latencies; router: Latencies; rows: string; load: string }> = [];
  for (const c of cases.filter((x) => !args.only || x.name.includes(args.only))) {
    await cluster.ensureAlive();
    let rows: number[];
    try {
      rows = [await runSql(c.ticket(0)), await runEngine(c.ticket(0)), await runRouter(c.path(0))];
    } catch (err) {
      // A query the engine refuses (a bound exceeded: spans to evaluate, groups) is reported, not fatal.
      log(`${c.name}: not measured: ${(err as Error).message.split("\n")[0]}`);
      continue;
    }
    log(`${c.name}: rows sql/engine/router-items ${rows.join("/")}; measuring (load ${load1()}) ...`);
    await cluster.ensureAlive();
    // In turns, so that the ceiling and the router path are timed under the same load.
    const { router: rt, engine: eng, sql } = await measureInTurns(iterations, warmup, {
      router: {
        run: (i) => runRouter(c.path(i)),
        recover: async (err) => {
          log(`  router request failed: ${(err as Error).message.split("\n")[0]}`);
          log(`  querier's last lines: ${cluster.roles.querier.lines.slice(-3).map((l) => JSON.stringify(l)).join(" | ")}`);
          await cluster.ensureAlive();
        },
      },
      engine: { run: (i) => runEngine(c.ticket(i)) },
      sql: { run: (i) => runSql(c.ticket(i)) },
    });
    results.push({ name: c.name, sql, engine: eng, router: rt, rows: rows.join("/"), load: load1() });
    log(`  sql p50 ${ms(sql.p50)} p99 ${ms(sql.p99)} | engine p50 ${ms(eng.p50)} p99 ${ms(eng.p99)} | router p50 ${ms(rt.p50)} p99 ${ms(rt.p99)} ms`);
  }
  log("");
  log(`${spans.toLocaleString()} spans, ${dataset.files.length} files, ${iterations} runs each (p99 of ${iterations} ≈ the slowest run)`);
  log(`${pad("query", 16)}${lpad("sql p50", 9)}${lpad("p99", 7)}${lpad("engine p50", 12)}${lpad("p99", 7)}${lpad("router p50", 12)}${lpad("p99", 7)}${lpad("router/sql", 12)}${lpad("load", 6)}`);
  for (const r of results) {
    log(
      `${pad(r.name, 16)}${lpad(ms(r.sql.p50), 9)}${lpad(ms(r.sql.p99), 7)}${lpad(ms(r.engine.p50), 12)}${lpad(ms(r.engine.p99), 7)}` +
        `${lpad(ms(r.router.p50), 12)}${lpad(ms(r.router.p99), 7)}${lpad((r.router.p50 / r.sql.p50).toFixed(2) + "×", 12)}${lpad(r.load, 6)}`,
    );
  }
  log("targets: trace by id router p99 < 50 ms; search router p99 < 200 ms; structural, pipeline and metrics router p99 < 500 ms; router ≤ 2× sql");
} finally {
  await cluster.stop();
  await engine.close();
  raw.close();
  await catalog.close();
}

function clusterOptions(ds: Dataset): QueryClusterOptions {
  return {
    catalogDsn: ds.catalogDsn,
    storagePath: ds.storagePath,
    env: {
      SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "2s",
    },
    readyPath: `/api/traces/${dataset.traceIds[0]}`,
  };
}
