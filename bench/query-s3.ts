/**
 * Trace-by-id against S3 (issue #8): the query benchmark's data set (bench/lib/query-dataset.ts)
 * uploaded to a local S3-compatible server (s3rver), then read the way the querier reads S3 —
 * through its file cache (footer stubs → row-group pruning → download → DuckDB):
 *
 *   cold        — empty cache: footers fetched by ranged GETs, the matching file(s) downloaded;
 *   footers     — footers cached, the trace's file not (another trace since the cache filled);
 *   warm        — everything cached: no S3 request at all;
 *   local       — the same query on the local files (no S3, no cache): the floor;
 *   no pruning  — cold, but downloading every candidate file (what the cache avoids).
 *
 * s3rver runs in this process over loopback, so "cold" is S3 request overhead + bytes at disk
 * speed, not a WAN; real S3 adds ~10–50 ms per request. Figures come with the 1-min load.
 *
 * usage: bun bench/query-s3.ts [--spans 1000000] [--file-rows 200000] [--hours 3] [--iterations 10]
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openCatalog } from "../shared/catalog/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { MetricsRegistry } from "../shared/metrics/index.ts";
import { parseTicket } from "../shared/query/index.ts";
import { S3BlobStore } from "../shared/storage/index.ts";
import { QueryEngine } from "../services/querier/engine/index.ts";
import { FileCache } from "../services/querier/file-cache.ts";
import { TraceFilePruner } from "../services/querier/trace-file-pruner.ts";
import { CachedFileSource } from "../services/querier/file-cache-source.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "../test/helpers/s3-server.ts";
import { BUCKET, ensureDataset, ORG } from "./lib/query-dataset.ts";
import { load1, lpad, ms, pad, summarize, type Latencies } from "./lib/query-timing.ts";

const { values: args } = parseArgs({
  options: {
    spans: { type: "string", default: "1000000" },
    "file-rows": { type: "string", default: "200000" },
    hours: { type: "string", default: "3" },
    iterations: { type: "string", default: "10" },
  },
});
const iterations = Number(args.iterations);
const quiet = createLogger({ level: "error", bindings: { role: "bench" } });

const dataset = await ensureDataset(
  { spans: Number(args.spans), fileRows: Number(args["file-rows"]), hours: Number(args.hours), seed: 1 },
  (line) => console.log(line),
);
const catalog = await openCatalog(dataset.catalogDsn, { log: quiet });
const files = await catalog.listDataFiles({ orgId: ORG, bucket: BUCKET, table: "traces" });
await catalog.close();

const s3 = await startS3Server("signalbox-bench");
const store = new S3BlobStore({ bucket: s3.bucket, prefix: "bench", endpoint: s3.endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS });
let uploadedBytes = 0;
const uploadStarted = performance.now();
for (const f of files) {
  const bytes = await Bun.file(join(dataset.storagePath, f.path)).bytes();
  await store.put(f.path, bytes);
  uploadedBytes += bytes.byteLength;
}
const uploadMs = performance.now() - uploadStarted;
console.log(`${files.length} traces files, ${(uploadedBytes / 2 ** 20).toFixed(1)} MiB uploaded to s3rver in ${ms(uploadMs)} ms`);

const engine = await QueryEngine.open({ log: quiet });
const pruner = await TraceFilePruner.open();
const cacheRoot = join(tmpdir(), `signalbox-bench-s3-cache-${process.pid}`);
let cacheSeq = 0;
async function freshSource(): Promise<{ source: CachedFileSource; metrics: MetricsRegistry }> {
  const metrics = new MetricsRegistry();
  const dir = join(cacheRoot, String(cacheSeq++));
  mkdirSync(dir, { recursive: true });
  const cache = await FileCache.open({ dir, maxBytes: 8 * 2 ** 30, store, log: quiet, metrics });
  return { source: new CachedFileSource(cache, pruner, quiet, metrics), metrics };
}
const counter = (m: MetricsRegistry, name: string, labels: Record<string, string>) => m.counter(name, "").get(labels);

async function traceById(source: CachedFileSource | null, traceId: string, prune = true): Promise<number> {
  const ticket = parseTicket({ kind: "trace_by_id", org: ORG, bucket: BUCKET, traceId });
  if (!source) return (await engine.execute(ticket, { files: files.map((f) => join(dataset.storagePath, f.path)), live: [] })).numRows;
  const lease = await source.acquire(files, prune ? { traceId } : {});
  try {
    return (await engine.execute(ticket, { files: lease.paths, live: [] })).numRows;
  } finally {
    lease.release();
  }
}

const timed = async (fn: () => Promise<number>) => {
  const t0 = performance.now();
  const rows = await fn();
  if (rows === 0) throw new Error("trace not found: the benchmark would measure nothing");
  return performance.now() - t0;
};

const step = Math.max(1, Math.floor(dataset.traceIds.length / (2 * iterations + 2)));
const id = (i: number) => dataset.traceIds[(i * step) % dataset.traceIds.length]!;
const samples = { cold: [] as number[], footers: [] as number[], warm: [] as number[], local: [] as number[], none: [] as number[] };
let coldFiles = 0;
let coldFooterBytes = 0;
let coldFileBytes = 0;
for (let i = 0; i < iterations; i++) {
  const { source, metrics } = await freshSource();
  samples.cold.push(await timed(() => traceById(source, id(2 * i))));
  coldFiles += await counter(metrics, "signalbox_querier_cache_misses_total", { kind: "file" });
  coldFooterBytes += await counter(metrics, "signalbox_querier_cache_fetched_bytes_total", { kind: "footer" });
  coldFileBytes += await counter(metrics, "signalbox_querier_cache_fetched_bytes_total", { kind: "file" });
  samples.footers.push(await timed(() => traceById(source, id(2 * i + 1))));
  samples.warm.push(await timed(() => traceById(source, id(2 * i))));
  samples.local.push(await timed(() => traceById(null, id(2 * i))));
}
for (let i = 0; i < Math.min(3, iterations); i++) {
  const { source } = await freshSource();
  samples.none.push(await timed(() => traceById(source, id(i), false)));
}

const row = (name: string, l: Latencies, note = "") =>
  console.log(`${pad(name, 12)} ${lpad(ms(l.p50), 8)} ${lpad(ms(l.p99), 8)} ${lpad(ms(l.max), 8)}   ${note}`);
console.log(`\ntrace by id over S3 (s3rver, loopback), ${args.spans} spans in ${files.length} files, load1 ${load1()}`);
console.log(`${pad("", 12)} ${lpad("p50 ms", 8)} ${lpad("p99 ms", 8)} ${lpad("max ms", 8)}`);
row("cold", summarize(samples.cold), `${(coldFiles / iterations).toFixed(1)} of ${files.length} files downloaded per query, ` +
  `${(coldFooterBytes / iterations / 1024).toFixed(0)} KiB footers + ${(coldFileBytes / iterations / 2 ** 20).toFixed(1)} MiB data fetched`);
row("footers", summarize(samples.footers), "footer stubs cached, the trace's file not");
row("warm", summarize(samples.warm), "no S3 request");
row("local", summarize(samples.local), "local files, no cache (floor)");
row("no pruning", summarize(samples.none), `cold, every candidate file downloaded (${(uploadedBytes / 2 ** 20).toFixed(0)} MiB)`);

await pruner.close();
await engine.close();
await s3.dispose();
rmSync(cacheRoot, { recursive: true, force: true });
