/**
 * Soak: does a Signalbox process stay healthy when it runs for a long time? Starts the
 * monolith (`services/monolith.ts`, its own process, data and SQLite catalog in a temp dir)
 * with the data lifecycle shortened so that compaction, retention, deletion after the grace
 * and the orphan sweep run many times, drives a steady, modest load of all three signals
 * through OTLP/HTTP plus a dashboard's queries through the Tempo, Loki and Prometheus APIs,
 * and samples the process every interval: memory, fds, threads, files and bytes on disk,
 * catalog rows per table, WAL, and the lifecycle series of /metrics. At the end: per
 * quantity its slope per hour after the warm-up and whether it levels off.
 *
 *   bun bench/soak.ts [--minutes 20] [--rate 200] [--sample 30] [--warmup M]
 *                     [--env SIGNALBOX_KEY=value]... [--keep]
 *
 * --rate: spans per second and log records per second (metrics: 78 series every 10 s).
 * --warmup: minutes left out of the verdict (default: retention + grace + 2 intervals, at
 *   least a quarter of the run). --keep leaves the data folder for inspection.
 */
import { rmSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { roleEnv, startRoleProcess, tempDir } from "../test/helpers/role-process.ts";
import { load1 } from "./lib/proc-stats.ts";
import { QUERY_KINDS, startIngest, startQueries } from "./lib/soak-load.ts";
import { catalogSample, metricsSample, probeSample, processSample, storageSample, type Sample } from "./lib/soak-sample.ts";
import { trends, trendTable, type TimedSample } from "./lib/soak-verdict.ts";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "20" },
    rate: { type: "string", default: "200" },
    sample: { type: "string", default: "30" },
    warmup: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
    keep: { type: "boolean", default: false },
  },
});
const minutes = Number(args.minutes);
const rate = Number(args.rate);
const sampleSeconds = Number(args.sample);

// The lifecycle, shortened: every pass (retention, compaction, deletion, orphan sweep) runs
// every 20 s; rows expire after 3 minutes and leave storage a grace minute later. The query
// timeout stays below the grace, as operations.md asks.
const lifecycle: Record<string, string> = {
  SIGNALBOX_WRITER_FLUSH_INTERVAL: "5s",
  SIGNALBOX_COMPACTION_INTERVAL: "20s",
  SIGNALBOX_COMPACTION_DELETE_GRACE: "60s",
  SIGNALBOX_RETENTION_DEFAULT: "3m",
  SIGNALBOX_QUERY_TIMEOUT: "20s",
};
for (const kv of args.env) {
  const eq = kv.indexOf("=");
  if (eq < 1) throw new Error(`--env expects KEY=value, got ${kv}`);
  lifecycle[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? Number(/^(\d+)m$/.exec(d)?.[1]) * 60);
const warmupMinutes =
  args.warmup !== undefined
    ? Number(args.warmup)
    : Math.max(
        minutes / 4,
        (seconds(lifecycle.SIGNALBOX_RETENTION_DEFAULT!) + seconds(lifecycle.SIGNALBOX_COMPACTION_DELETE_GRACE!) + 2 * seconds(lifecycle.SIGNALBOX_COMPACTION_INTERVAL!)) / 60,
      );

const dir = tempDir("soak");
const storagePath = join(dir, "data");
const catalogPath = join(dir, "catalog.db");
const probeFile = join(dir, "probe.json");
const monolith = await startRoleProcess(
  "monolith",
  roleEnv({
    SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${catalogPath}`,
    SIGNALBOX_STORAGE_PATH: storagePath,
    SIGNALBOX_QUERIER_CACHE_PATH: join(storagePath, ".cache"),
    SIGNALBOX_LOG_LEVEL: "info",
    SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "30s",
    MIMALLOC_PURGE_DELAY: "2000",
    // Heap object counts from inside the process (bench/lib/soak-probe.ts), a little more often
    // than the soak samples, so every sample reads a fresh count.
    BUN_OPTIONS: `--preload=${new URL("./lib/soak-probe.ts", import.meta.url).pathname}`,
    SOAK_PROBE_FILE: probeFile,
    SOAK_PROBE_MS: String(Math.round(sampleSeconds * 900)),
    ...lifecycle,
  }),
  { timeoutMs: 60_000 },
);
const pid = monolith.proc.pid;
const a = monolith.addresses;
const ops = [a["writer.http"]!, a["querier.http"]!, a["acceptor.http"]!, a["router.http"]!];
console.log(
  `soak: monolith pid ${pid}, ${minutes} min, ${rate} spans/s + ${rate} logs/s + metrics, sample every ${sampleSeconds} s, ` +
    `warm-up ${warmupMinutes.toFixed(1)} min; ${Object.entries(lifecycle).map(([k, v]) => `${k.replace("SIGNALBOX_", "").toLowerCase()}=${v}`).join(" ")}; ` +
    `${cpus().length} cores, data ${dir}`,
);

const startedAt = performance.now();
const endAt = startedAt + minutes * 60_000;
const stopped = () => performance.now() >= endAt || monolith.proc.exitCode !== null;
const ingest = startIngest(a["acceptor.http"]!, { rate, metricsEverySeconds: 10, seed: 7 }, stopped);
const queries = startQueries(a["router.http"]!, 15, 300, stopped);

// Log events of the monolith worth counting; the lines themselves are dropped as they are read.
const events = new Map<string, number>();
const problems: string[] = [];
function drainLogs(): void {
  for (const line of monolith.lines.splice(0)) {
    const event = String(line.event ?? "?");
    events.set(event, (events.get(event) ?? 0) + 1);
    if ((line.level === "error" || line.level === "warn") && problems.length < 20) problems.push(JSON.stringify(line).slice(0, 300));
  }
}

const samples: TimedSample[] = [];
/** Heap object counts by type, per sample: which type grows, when the count does. */
const typeCounts: Array<{ t: number; types: Record<string, number> }> = [];
let lastCpu = 0;
let lastT = 0;
const col = (v: number, w: number, digits = 0) => v.toFixed(digits).padStart(w);
async function takeSample(): Promise<void> {
  drainLogs();
  const t = (performance.now() - startedAt) / 1000;
  const probe = probeSample(probeFile);
  typeCounts.push({ t, types: probe.types });
  const values: Sample = {
    ...processSample(pid),
    ...probe.values,
    ...storageSample(storagePath),
    ...catalogSample(catalogPath),
    ...(await metricsSample(ops)),
  };
  values.cpu_pct = lastT === 0 ? 0 : ((values.cpu_s! - lastCpu) / (t - lastT)) * 100;
  lastCpu = values.cpu_s!;
  lastT = t;
  const queryMs = QUERY_KINDS.flatMap((k) => queries.stats[k].ms.splice(0));
  values.query_ms_max = queryMs.length ? Math.max(...queryMs) : NaN;
  values.load1 = load1();
  values.query_ms_mean = queryMs.length ? queryMs.reduce((x, y) => x + y, 0) / queryMs.length : NaN;
  samples.push({ t, values });
  const v = values;
  console.log(
    `${col(t / 60, 5, 1)}m rss ${col(v.rss_mib!, 4)}M heap ${col(v.heap_used_mib!, 4)}M obj ${col((v.js_objects ?? NaN) / 1000, 4)}k prom ${col(v.promises ?? NaN, 4)} tmr ${col(v.timeouts ?? NaN, 3)} fds ${col(v.fds!, 4)} thr ${col(v.threads!, 3)} ` +
      `cpu ${col(v.cpu_pct!, 3)}% | pq ${col(v.parquet_files!, 4)} files ${col(v.parquet_mib!, 5, 1)}M ${col(v.partitions!, 2)} parts ${col(v.data_folders!, 3)} dirs max ${col(v.max_files_per_partition!, 3)} ` +
      `wal ${col(v.wal_files!, 2)}/${col(v.wal_mib!, 5, 1)}M other ${col(v.other_files!, 3)} | cat data ${col(v.rows_data_files ?? 0, 4)} ` +
      `retired ${col(v.rows_retired_files ?? 0, 3)} batches ${col(v.rows_persisted_batches ?? 0, 6)} | backlog ${col(v.backlog_files!, 3)} ` +
      `compacted ${col(v.compactions!, 4)} expired ${col(v.expired_files!, 4)} deleted ${col(v.deleted_compacted! + v.deleted_expired!, 4)} ` +
      `orphan ${col(v.deleted_orphan!, 2)} | q ${col(v.query_ms_mean!, 4)}/${col(v.query_ms_max!, 5)} ms | load ${load1().toFixed(2)}`,
  );
}

let code = 0;
try {
  while (!stopped()) {
    await Bun.sleep(Math.min(sampleSeconds * 1000, Math.max(0, endAt - performance.now())));
    if (monolith.proc.exitCode !== null) break;
    await takeSample();
  }
  await Promise.all([ingest.done, queries.done]);
} finally {
  drainLogs();
  code = monolith.proc.exitCode ?? (await monolith.stop());
  console.log(`\nmonolith exited with ${code}${monolith.proc.signalCode ? ` (${monolith.proc.signalCode})` : ""}`);
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
}

// Noise allowed on top of a tenth of the level before a quantity counts as growing. Query
// times and CPU are shown, not judged: on a shared machine they follow the others' load.
const watched: Record<string, number> = {
  rss_mib: 32, tree_rss_mib: 32, heap_used_mib: 16, external_mib: 16, fds: 4, threads: 2,
  parquet_files: 6, parquet_mib: 2, partitions: 3, data_folders: 3, max_files_per_partition: 4, wal_files: 2, wal_mib: 8,
  other_files: 8, other_mib: 8, catalog_mib: 1, backlog_files: 8, live_rows: 2 * rate * 10, live_cache_mib: 8,
  js_heap_mib: 8, js_objects: 20_000, promises: 50, timeouts: 10, functions: 2_000,
};
for (const name of Object.keys(samples.at(-1)?.values ?? {})) if (name.startsWith("rows_")) watched[name] = name === "rows_persisted_batches" ? 500 : 8;
const rows = trends(samples, warmupMinutes * 60, watched);
console.log(`\nAfter ${warmupMinutes.toFixed(1)} min of warm-up (${rows.length ? samples.filter((s) => s.t >= warmupMinutes * 60).length : 0} samples):\n`);
console.log(trendTable(rows));
const ingestLine = Object.entries(ingest.stats).map(([k, s]) => `${k} ${s.ok} ok / ${s.failed} failed (${s.rows} rows)${s.lastError ? ` last error: ${s.lastError}` : ""}`);
console.log(`\ningest: ${ingestLine.join("; ")}`);
const queryLine = QUERY_KINDS.map((k) => {
  const s = queries.stats[k];
  return `${k} ${s.ok} ok / ${s.failed} failed / ${s.empty} empty${s.lastError ? ` (last error: ${s.lastError})` : ""}`;
});
console.log(`queries: ${queryLine.join("; ")}`);
const counted = ["compaction.done", "retention.expired", "compaction.orphan_removed", "compaction.superseded", "compaction.job_failed", "flush.done"];
console.log(`log events: ${counted.map((e) => `${e} ${events.get(e) ?? 0}`).join(", ")}`);
if (problems.length) console.log(`warnings/errors (first ${problems.length}):\n  ${problems.join("\n  ")}`);
const steadyTypes = typeCounts.filter((c) => c.t >= warmupMinutes * 60 && Object.keys(c.types).length > 0);
if (steadyTypes.length >= 2) {
  const [from, to] = [steadyTypes[0]!.types, steadyTypes.at(-1)!.types];
  const grown = Object.keys(to)
    .map((k): [string, number] => [k, (to[k] ?? 0) - (from[k] ?? 0)])
    .sort((x, y) => y[1] - x[1])
    .slice(0, 8);
  console.log(`heap objects by type, growth over the steady part: ${grown.map(([k, d]) => `${k} ${d >= 0 ? "+" : ""}${d} (${to[k]})`).join(", ")}`);
}
const growing = rows.filter((r) => r.verdict === "GROWS");
console.log(
  `\nverdict: ${rows.length === 0 ? "too short to judge (fewer than 3 samples after the warm-up)" : growing.length === 0 ? "every watched quantity levels off" : `growing: ${growing.map((r) => r.name).join(", ")}`} ` +
    `(load ${load1().toFixed(2)}; the soak's own load generator used ${(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6).toFixed(0)} CPU s)`,
);
process.exit(rows.length > 0 && growing.length === 0 && code === 0 ? 0 : 1);
