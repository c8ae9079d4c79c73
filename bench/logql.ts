/**
 * LogQL benchmark (issue #18): ≥ 10 million realistic log lines over 6 h (JSON and logfmt
 * bodies, 8 services, levels; bench/lib/log-lines.ts) written as a writer flushes them
 * (Parquet + catalog, cached between runs), then p50/p99 through the router (HTTP → router
 * process → querier process over Flight, a writer process running as in production) of:
 *   line filter     `{service_name="checkout"} |= "timeout"` over the last hour;
 *   json filter     `{service_name="checkout"} | json | status >= 500` over the last hour;
 *   count by level  `sum by (level) (count_over_time({service_name="payment"} | logfmt [1m]))` over 6 h;
 *   p99 latency     `quantile_over_time(0.99, {service_name="payment"} | logfmt | unwrap duration(latency) [5m]) by (service_name)` over 6 h;
 *   volume          `/index/volume` of `{service_name=~".+"}` over the last hour (the Drilldown landing page; no target).
 * Targets: line filter p99 < 300 ms, metric queries p99 < 1 s. The first run of each query is
 * shown apart (the querier keeps samples between runs; SIGNALBOX_QUERY_LOG_SAMPLE_CACHE=0B
 * turns that off, so every run is a first). Prints bytes per log line on
 * disk (Parquet) and the 1-minute load average with every figure: the machine is shared.
 *
 * usage: bun bench/logql.ts [--lines 10000000] [--hours 6] [--file-rows 250000] [--iterations 20] [--warmup 3] [--only "json"]
 * (the data set is written once per --lines/--hours/--file-rows and the code that shapes it, then reused)
 */
import { parseArgs } from "node:util";
import { cpus } from "node:os";
import { ensureLogDataset, type LogDataset } from "./lib/logql-dataset.ts";
import { load1, lpad, measure, ms, pad, type Latencies } from "./lib/query-timing.ts";
import { RestartingQueryCluster, type QueryClusterOptions } from "./lib/query-cluster.ts";

const { values: args } = parseArgs({
  options: {
    lines: { type: "string", default: "10000000" },
    hours: { type: "string", default: "6" },
    "file-rows": { type: "string", default: "250000" },
    iterations: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    only: { type: "string" },
  },
});
const lines = Number(args.lines);
const iterations = Number(args.iterations);
const warmup = Number(args.warmup);
const log = (line: string) => console.log(line);

log(`logql bench: ${lines.toLocaleString()} lines over ${args.hours} h, ${args["file-rows"]} per file, ${iterations} iterations after ${warmup} untimed, ${cpus().length} cores, load ${load1()}`);
const dataset = await ensureLogDataset({ lines, fileRows: Number(args["file-rows"]), hours: Number(args.hours), seed: 18 }, log);
log(
  `data set ${dataset.cached ? "(cached) " : ""}${dataset.dir}: ${dataset.files} files, ` +
    `${(dataset.parquetBytes / 2 ** 20).toFixed(1)} MiB Parquet = ${(dataset.parquetBytes / lines).toFixed(1)} bytes per log line on disk` +
    (dataset.cached ? "" : `; written in ${dataset.writeSeconds.toFixed(0)} s (${Math.round(lines / dataset.writeSeconds).toLocaleString()} lines/s)`),
);

const HOUR_NS = 3_600_000_000_000n;
const lastHour = { start: String(dataset.endNs - HOUR_NS), end: String(dataset.endNs) };
const whole = { start: String(dataset.startNs), end: String(dataset.endNs) };

interface Case {
  name: string;
  /** p99 target in ms; undefined: measured, no target. */
  target?: number;
  /** Under /loki/api/v1/; query_range unless said. */
  path?: string;
  params: Record<string, string>;
}

const cases: Case[] = [
  { name: "line filter", target: 300, params: { query: '{service_name="checkout"} |= "timeout"', limit: "100", ...lastHour } },
  { name: "json filter", target: 300, params: { query: '{service_name="checkout"} | json | status >= 500', limit: "100", ...lastHour } },
  { name: "count by level", target: 1000, params: { query: 'sum by (level) (count_over_time({service_name="payment"} | logfmt [1m]))', step: "60", ...whole } },
  {
    name: "p99 latency",
    target: 1000,
    params: { query: 'quantile_over_time(0.99, {service_name="payment"} | logfmt | unwrap duration(latency) [5m]) by (service_name)', step: "60", ...whole },
  },
  { name: "volume", path: "index/volume", params: { query: '{service_name=~".+"}', limit: "5000", ...lastHour } },
];

const cluster = await RestartingQueryCluster.start(clusterOptions(dataset), log);

/** One request through the router; the number of streams or series it answered. */
async function ask(c: Case): Promise<number> {
  const response = await fetch(`${cluster.router}/loki/api/v1/${c.path ?? "query_range"}?${new URLSearchParams(c.params)}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { data: { result: unknown[] } };
  return body.data.result.length;
}

const results: Array<{ c: Case; latencies?: Latencies; first?: number; items?: number; error?: string; load: string }> = [];
try {
  for (const c of cases.filter((x) => !args.only || x.name.includes(args.only))) {
    await cluster.ensureAlive();
    try {
      // The first run is timed apart: the querier keeps what it can between runs (log-sample-cache.ts).
      const began = performance.now();
      const items = await ask(c);
      const first = performance.now() - began;
      log(`${c.name}: ${items} streams/series, first run ${ms(first)} ms; measuring (load ${load1()}) ...`);
      const latencies = await measure(iterations, warmup, () => ask(c), async (err) => {
        log(`  request failed: ${(err as Error).message.split("\n")[0]}`);
        await cluster.ensureAlive();
      });
      results.push({ c, latencies, first, items, load: load1() });
      log(`  p50 ${ms(latencies.p50)} p99 ${ms(latencies.p99)} ms`);
    } catch (err) {
      results.push({ c, error: (err as Error).message.split("\n")[0]!.slice(0, 160), load: load1() });
      log(`  ${c.name} failed: ${results.at(-1)!.error}`);
    }
  }
} finally {
  await cluster.stop();
}

log("");
log(`${lines.toLocaleString()} lines over ${args.hours} h, ${dataset.files} files, ${(dataset.parquetBytes / lines).toFixed(1)} bytes/line on disk; ${iterations} runs each`);
log(`${pad("query", 16)}${lpad("first ms", 10)}${lpad("p50 ms", 9)}${lpad("p99 ms", 9)}${lpad("target", 9)}${lpad("met", 6)}${lpad("items", 7)}${lpad("load", 6)}`);
for (const r of results) {
  if (r.latencies === undefined) {
    log(`${pad(r.c.name, 16)}  failed: ${r.error}`);
    continue;
  }
  const met = r.c.target === undefined ? "-" : r.latencies.p99 < r.c.target ? "yes" : "no";
  const target = r.c.target === undefined ? "-" : `<${r.c.target}`;
  log(`${pad(r.c.name, 16)}${lpad(ms(r.first!), 10)}${lpad(ms(r.latencies.p50), 9)}${lpad(ms(r.latencies.p99), 9)}${lpad(target, 9)}${lpad(met, 6)}${lpad(String(r.items), 7)}${lpad(r.load, 6)}`);
}

function clusterOptions(ds: LogDataset): QueryClusterOptions {
  return {
    catalogDsn: ds.catalogDsn,
    storagePath: ds.storagePath,
    env: {
      // The production default: a querier busy with a long query still heartbeats in time.
      SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "30s",
      SIGNALBOX_QUERY_TIMEOUT: "2m",
    },
    readyPath: `/loki/api/v1/labels?start=${ds.startNs}&end=${ds.endNs}`,
  };
}
