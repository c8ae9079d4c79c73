/**
 * PromQL benchmark (issue #17): the same data set remote-written into Signalbox (one monolith
 * process) and into a real Prometheus (Debian's 2.42), then, side by side in one run:
 * - ingest CPU seconds per million samples (each process's CPU, from /proc, over the writes);
 * - the deferred work that persists those samples, charged the same way, and the total with
 *   it: Signalbox's flush of its live rows to Parquet; Prometheus's head compactions into
 *   2 h blocks (those it runs during the writes fall in its "over the writes" figure) and a TSDB
 *   snapshot of what stays in its head (bench/lib/prometheus-tsdb.ts says why), confirmed by
 *   its /metrics and by the samples counted in the snapshot's blocks;
 * - bytes per sample on disk (Prometheus: its TSDB folder; Signalbox: Parquet after a flush,
 *   and with the WAL);
 * - p50/p99 of a dashboard set through each one's HTTP API, timed in turns.
 * Data: half the series counters (`bench_requests_total`, 10 jobs), half classic histogram
 * buckets (`bench_latency_seconds_bucket`, 10 buckets per group), one sample per series every
 * `--step`. Every figure is printed with the 1-minute load average: the machine is shared.
 *
 * `--profile DIR` runs Signalbox under Bun's CPU profiler (markdown profile written to DIR when
 * it stops): the profile covers ingest, flush and the queries.
 *
 * usage: bun bench/promql.ts [--series 10000] [--hours 6] [--step 15] [--iterations 20] [--warmup 3] [--profile DIR]
 */
import { execSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FlightClient } from "../shared/flight/index.ts";
import type { RawSeries } from "../shared/series/index.ts";
import { startPrometheus } from "../test/helpers/prometheus-process.ts";
import { snappyCompress } from "../shared/remote-write/index.ts";
import { encodeSeriesSlices, REMOTE_WRITE_HEADERS } from "../test/helpers/remote-write-encode.ts";
import { REPO_ROOT, roleEnv, startProcess, tempDir } from "../test/helpers/role-process.ts";
import { cpuSeconds } from "./lib/proc-stats.ts";
import { settleHeadCompaction, snapshotWithHead, tsdbState } from "./lib/prometheus-tsdb.ts";
import { load1, lpad, measureInTurns, ms, pad, summarize } from "./lib/query-timing.ts";

const { values: args } = parseArgs({
  options: {
    series: { type: "string", default: "10000" },
    hours: { type: "string", default: "6" },
    step: { type: "string", default: "15" },
    iterations: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    profile: { type: "string" },
  },
});
const SERIES = Number(args.series);
const STEP_MS = Number(args.step) * 1000;
const END_MS = Math.floor(Date.now() / 60_000) * 60_000;
const START_MS = END_MS - Number(args.hours) * 3_600_000;
const SLICE_MS = 10 * 60_000;
const BOUNDS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];

/** The data set's label sets; values are a function of (series, time), so nothing is held. */
function labelSets(): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const counters = Math.floor(SERIES / 2);
  for (let i = 0; i < counters; i++) out.push({ __name__: "bench_requests_total", job: `job-${i % 10}`, instance: `host-${Math.floor(i / 10)}`, path: `/p${i % 7}` });
  for (let g = 0; out.length < SERIES; g++) {
    for (const le of BOUNDS) if (out.length < SERIES) out.push({ __name__: "bench_latency_seconds_bucket", job: `job-${g % 10}`, instance: `host-${Math.floor(g / 10)}`, le });
  }
  return out;
}

function value(labels: Record<string, string>, index: number, step: number): number {
  if (labels.le === undefined) return step * ((index % 13) + 1);
  const rank = BOUNDS.indexOf(labels.le) + 1;
  return step * rank * 3 + (index % 5);
}

/** Remote-writes every sample to `url` in time order, slice by slice; returns the sample count. */
async function writeAll(url: string, sets: Record<string, string>[], headers: Record<string, string> = {}): Promise<number> {
  let samples = 0;
  for (let from = START_MS; from < END_MS; from += SLICE_MS) {
    const times: number[] = [];
    for (let t = from; t < Math.min(from + SLICE_MS, END_MS); t += STEP_MS) times.push(t);
    // Requests of ~2,000 series, as Prometheus's sender batches them.
    for (let s0 = 0; s0 < sets.length; s0 += 2000) {
      const parts = sets.slice(s0, s0 + 2000).map((labels, k): { series: RawSeries; from: number; to: number } => {
        const index = s0 + k;
        const values = Float64Array.from(times, (t) => value(labels, index, (t - START_MS) / STEP_MS));
        return { series: { labels, timestampsMs: Float64Array.from(times), values }, from: 0, to: times.length };
      });
      const response = await fetch(url, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS, ...headers }, body: snappyCompress(encodeSeriesSlices(parts)) });
      if (!response.ok) throw new Error(`remote write to ${url}: ${response.status} ${await response.text()}`);
      samples += parts.length * times.length;
    }
    process.stdout.write(`\r  ${url}: ${Math.round(((from - START_MS + SLICE_MS) / (END_MS - START_MS)) * 100)}% (${samples} samples)   `);
  }
  process.stdout.write("\n");
  return samples;
}

function productionDiscovery(env: Record<string, string>): Record<string, string> {
  const { SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: _, ...rest } = env;
  return rest;
}

function du(path: string, exclude?: string): number {
  const ex = exclude ? ` --exclude=${exclude}` : "";
  return Number(execSync(`du -sb${ex} ${path}`).toString().split("\t")[0]);
}

async function main(): Promise<void> {
  const sets = labelSets();
  console.log(`promql bench: ${SERIES} series × ${args.hours} h at ${args.step} s (${Math.round(((END_MS - START_MS) / STEP_MS) * SERIES / 1e6 * 10) / 10} M samples), load ${load1()}`);
  const storage = join(tempDir("promql-bench"), "data");
  const prometheus = await startPrometheus({ adminApi: true });
  const profiler = args.profile ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${args.profile}`] : [];
  const signalbox = await startProcess("monolith", ["bun", ...profiler, "run", "services/monolith.ts"], {
    cwd: REPO_ROOT,
    // Discovery at its default period: the tests' fast heartbeats would bill catalog work to ingest.
    // MIMALLOC_PURGE_DELAY as `bun run start` and compose.yaml run Signalbox (docs/operations.md, "Memory").
    env: { ...process.env, ...productionDiscovery(roleEnv({ SIGNALBOX_STORAGE_PATH: storage, SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h", SIGNALBOX_QUERY_TIMEOUT: "5m", MIMALLOC_PURGE_DELAY: "2000" })) },
    startedEvent: "signalbox.started",
  });
  try {
    const router = `http://${signalbox.addresses["router.http"]}/prometheus`;
    const acceptor = `http://${signalbox.addresses["acceptor.http"]}`;

    const ingest = async (name: string, pid: number, url: string) => {
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      const samples = await writeAll(url, sets);
      return { name, samples, cpu: cpuSeconds(pid) - cpu0, seconds: (performance.now() - t0) / 1000 };
    };
    const promBefore = await tsdbState(prometheus.url);
    const prom = await ingest("prometheus", prometheus.pid, `${prometheus.url}/api/v1/write`);
    const promAfterWrites = await tsdbState(prometheus.url);
    // Prometheus's deferred persistence, measured before Signalbox's writes so nothing overlaps it.
    const persistCpu0 = cpuSeconds(prometheus.pid);
    const promSettled = await settleHeadCompaction(prometheus.url, prometheus.pid);
    const snapshot = await snapshotWithHead(prometheus.url, prometheus.dataDir);
    const promPersistCpu = cpuSeconds(prometheus.pid) - persistCpu0;
    const promAfterSnapshot = await tsdbState(prometheus.url);

    const sb = await ingest("signalbox", signalbox.proc.pid, `${acceptor}/api/v1/write`);
    const flushCpu0 = cpuSeconds(signalbox.proc.pid);
    await new FlightClient(signalbox.addresses["writer.flight"]!).action("flush", {});
    const flushCpu = cpuSeconds(signalbox.proc.pid) - flushCpu0;

    const promBytes = du(prometheus.dataDir, "snapshots");
    const sbParquet = du(storage, "wal");
    const sbTotal = du(storage);
    console.log(`\ningest (remote write, load ${load1()})`);
    console.log(`${pad("", 12)}${lpad("CPU s / M samples", 20)}${lpad("samples/s", 12)}    bytes/sample (Prometheus: TSDB folder; Signalbox: Parquet)`);
    for (const r of [prom, sb]) {
      const bytes = r.name === "prometheus" ? `${(promBytes / r.samples).toFixed(2)}` : `${(sbParquet / r.samples).toFixed(2)} (${(sbTotal / r.samples).toFixed(2)} w/ WAL)`;
      console.log(`${pad(r.name, 12)}${lpad((r.cpu / (r.samples / 1e6)).toFixed(2), 20)}${lpad(String(Math.round(r.samples / r.seconds)), 12)}    ${bytes}`);
    }
    console.log(`${pad("", 12)}signalbox flush of the live rows to Parquet (not in the figure above): ${(flushCpu / (sb.samples / 1e6)).toFixed(2)} CPU s / M samples`);
    // Parquet bytes/sample need the flush: the figure that pays for them counts it too.
    console.log(`${pad("", 12)}signalbox ingest + flush: ${((sb.cpu + flushCpu) / (sb.samples / 1e6)).toFixed(2)} CPU s / M samples (${((sb.cpu + flushCpu) / prom.cpu).toFixed(2)}× prometheus's ingest)`);

    // Both sides' deferred work until every sample is in a persisted file: Signalbox's flush to
    // Parquet; Prometheus's head compactions into blocks, then a snapshot of what stays in its head.
    const perM = (cpu: number, samples: number) => cpu / (samples / 1e6);
    const rows = [
      { name: "prometheus", writes: perM(prom.cpu, prom.samples), persist: perM(promPersistCpu, prom.samples) },
      { name: "signalbox", writes: perM(sb.cpu, sb.samples), persist: perM(flushCpu, sb.samples) },
    ];
    console.log(`\ningest and its deferred persistence, CPU s / M samples (load ${load1()})`);
    console.log(`${pad("", 22)}${lpad("over the writes", 16)}${lpad("persistence", 14)}${lpad("total", 10)}`);
    for (const r of rows) console.log(`${pad(r.name, 22)}${lpad(r.writes.toFixed(2), 16)}${lpad(r.persist.toFixed(3), 14)}${lpad((r.writes + r.persist).toFixed(2), 10)}`);
    const [p, s] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    console.log(`${pad("signalbox / prometheus", 22)}${lpad(ratio(s.writes, p.writes), 16)}${lpad(ratio(s.persist, p.persist), 14)}${lpad(ratio(s.writes + s.persist, p.writes + p.persist), 10)}`);
    const hours = (ms: number) => (ms / 3_600_000).toFixed(2);
    console.log(
      `${pad("", 12)}prometheus head → blocks: ${promAfterWrites.compactions - promBefore.compactions} block(s) written during the writes (in "over the writes"; ${(promAfterWrites.compactionSeconds - promBefore.compactionSeconds).toFixed(2)} s wall), ` +
        `${promSettled.compactions - promAfterWrites.compactions} after them, then a snapshot of the ${hours(promSettled.headMaxTimeMs - promSettled.headMinTimeMs)} h left in the head ` +
        `(${promAfterSnapshot.compactions - promSettled.compactions} block, ${(promAfterSnapshot.compactionSeconds - promSettled.compactionSeconds).toFixed(2)} s wall); snapshot: ${snapshot.blocks} blocks, ${snapshot.samples} of ${prom.samples} samples, ` +
        `${(du(snapshot.dir) / prom.samples).toFixed(2)} bytes/sample in blocks`,
    );

    const range = { start: String(START_MS / 1000), end: String(END_MS / 1000), step: "60" };
    const dashboard: Record<string, { path: string; params: Record<string, string> }> = {
      "sum by job rate": { path: "query_range", params: { query: "sum by (job) (rate(bench_requests_total[5m]))", ...range } },
      "p99 buckets": { path: "query_range", params: { query: "histogram_quantile(0.99, sum by (le) (rate(bench_latency_seconds_bucket[5m])))", ...range } },
      "topk rate": { path: "query_range", params: { query: "topk(10, rate(bench_requests_total[5m]))", ...range } },
      "instant all": { path: "query", params: { query: "count by (__name__) ({__name__=~\"bench_.+\"})", time: String(END_MS / 1000) } },
    };
    const ask = async (base: string, path: string, params: Record<string, string>) => {
      const response = await fetch(`${base}/api/v1/${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params) });
      const body = (await response.json()) as { status: string; error?: string };
      if (body.status !== "success") throw new Error(`${base} ${params.query}: ${body.error}`);
    };
    console.log(`\ndashboard queries, ms (p50 / p99 of ${args.iterations}, in turns; load ${load1()})`);
    // The first run of each query is timed apart: Signalbox's first read of a file decodes it into memory (query.promql_sample_cache).
    console.log(`${pad("", 18)}${lpad("prometheus", 20)}${lpad("signalbox", 20)}   first run: prometheus / signalbox   (signalbox's querier engine alone, p50, from its query.executed log)`);
    for (const [name, q] of Object.entries(dashboard)) {
      const logged = signalbox.lines.length;
      const first = await measureInTurns(1, 0, {
        prometheus: { run: () => ask(prometheus.url, q.path, q.params) },
        signalbox: { run: () => ask(router, q.path, q.params) },
      });
      const result = await measureInTurns(Number(args.iterations), Number(args.warmup), {
        prometheus: { run: () => ask(prometheus.url, q.path, q.params) },
        signalbox: { run: () => ask(router, q.path, q.params) },
      });
      const cell = (l: { p50: number; p99: number }) => `${ms(l.p50)} / ${ms(l.p99)}`;
      // The first run and the `warmup` executions logged after it are not in the p50.
      const engine = signalbox.lines.slice(logged).filter((l) => l.event === "query.executed" && l.kind === "promql").map((l) => l.ms as number).slice(1 + Number(args.warmup));
      const firstRun = `${ms(first.prometheus.p50)} / ${ms(first.signalbox.p50)}`;
      console.log(`${pad(name, 18)}${lpad(cell(result.prometheus), 20)}${lpad(cell(result.signalbox), 20)}   ${lpad(firstRun, 16)}   (${ms(summarize(engine).p50)})   load ${load1()}`);
    }
  } finally {
    // A profiled process writes its profile on a clean exit only.
    if (args.profile) await signalbox.stop();
    else await signalbox.kill();
    await prometheus.stop();
  }
}

await main();
