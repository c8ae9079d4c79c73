/**
 * Compaction benchmark (issue #20): the ingest bench's spans flushed as many small files
 * spread over simulated hours (timestamps shifted), then compacted by the writer's
 * Compactor, side by side in one run:
 *   - CPU seconds per million spans: compaction vs the in-process ingest work that made the
 *     files (OTLP decode + the flush's sort and Parquet write; the real ingest path also pays
 *     for HTTP, Flight and the WAL, so the ratio printed is conservative);
 *   - bytes per span before and after;
 *   - trace-by-id and tag search p50/p99 through the querier's engine over the small files
 *     vs the compacted ones (timed in turns, so both see the same machine load). Two
 *     searches: a common tag pair (the newest few files hold its 20 newest traces, so a
 *     search stops early) and a needle (one request's url.full: every file in range is
 *     scanned). The tag search's CPU per search is printed too: wall time lets a scan of many
 *     small files use every core of an idle machine, which the CPU does not hide.
 *
 * Every file's spans are distinct by default (`--payloads` = one request body per file): with
 * a few bodies reused, copies of one trace sit side by side once compaction sorts by
 * trace_id, compress to almost nothing and put each trace id in many files — figures of a
 * workload that does not exist. `--payloads 64` reproduces that data.
 *
 * A trace arrives whole in one request by default, so it lives in one small file. Real traces
 * often straddle flushes (a long trace, services exporting at different moments):
 * `--trace-flushes k` gives each trace spans in k consecutive flushed files.
 *
 * `--clickhouse` then loads the compacted spans into ClickHouse (bench/lib/clickhouse-peer.ts,
 * if installed) and prints its bytes per span beside the compacted files', in all and per
 * column: a real peer's yardstick for the same rows.
 *
 * `--layouts` then writes the compacted spans again in other layouts (bench/lib/span-layouts.ts:
 * binary ids, attributes as typed columns) and prints their bytes per span, and the cost of
 * giving a columnar layout's attributes back as the JSON text the querier reads.
 *
 * `--zstd-level n` compacts at level n instead of `compaction.zstd_level`'s default: the
 * trade of merge CPU for bytes, measured on the same files.
 *
 *   bun bench/compaction.ts [--files 1000] [--spans 1024] [--payloads <files>] [--trace-flushes 1]
 *                           [--hours 6] [--iterations 200] [--warmup 20] [--clickhouse] [--zstd-level n] [--layouts]
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { RecordBatch } from "apache-arrow";
import { openCatalog, type DataFile } from "../shared/catalog/index.ts";
import { configSchema } from "../shared/config/index.ts";
import { openDuckDB, quoteLiteral } from "../shared/duckdb/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { MetricsRegistry } from "../shared/metrics/index.ts";
import { parseTicket } from "../shared/query/index.ts";
import { RetentionPolicy } from "../shared/retention/index.ts";
import { decodeExport } from "../shared/otlp/index.ts";
import { LocalBlobStore } from "../shared/storage/index.ts";
import { QueryEngine } from "../services/querier/engine/index.ts";
import { Compactor } from "../services/writer/compaction/compactor.ts";
import { flushFile, SCOPE } from "../test/helpers/compaction-fixtures.ts";
import { clickhouseMissing, clickhouseSizes, peerReport } from "./lib/clickhouse-peer.ts";
import { makeTracePayloads } from "./lib/otlp-traces.ts";
import { layoutSizes, rebuildCost } from "./lib/span-layouts.ts";
import { load1, lpad, measureInTurns, ms, pad } from "./lib/query-timing.ts";

const { values: args } = parseArgs({
  options: {
    files: { type: "string", default: "1000" },
    spans: { type: "string", default: "1024" },
    payloads: { type: "string" },
    "trace-flushes": { type: "string", default: "1" },
    hours: { type: "string", default: "6" },
    iterations: { type: "string", default: "200" },
    warmup: { type: "string", default: "20" },
    clickhouse: { type: "boolean", default: false },
    "zstd-level": { type: "string" },
    layouts: { type: "boolean", default: false },
  },
});
const files = Number(args.files);
const spansPerFile = Number(args.spans);
const distinctBodies = Math.min(files, Number(args.payloads ?? files));
const traceFlushes = Math.max(1, Number(args["trace-flushes"]));
const hours = Number(args.hours);
const HOUR_NS = 3_600_000_000_000n;
const log = (line: string) => console.log(line);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

log(
  `compaction bench: ${files} flushed files of ${spansPerFile} spans (${distinctBodies} distinct, each trace in ${traceFlushes} file(s)) ` +
    `over ${hours} h, ${cpus().length} cores, load ${load1()}`,
);
const dir = mkdtempSync(join(tmpdir(), "sb-bench-compaction-"));
const root = join(dir, "data");
mkdirSync(join(root, ".scratch"), { recursive: true });
const quiet = createLogger({ level: "error", sink: () => {} });
const catalog = await openCatalog("sqlite::memory:", { log: quiet });
const store = new LocalBlobStore(root);
// The flush's DuckDB as the writer opens it (services/writer/writer.ts), at the defaults.
const defaults = configSchema.parse({});
const writerDefaults = defaults.writer;
const duck = await openDuckDB(":memory:", {
  config: { threads: String(writerDefaults.flush_threads), memory_limit: writerDefaults.flush_memory_limit, block_allocator_memory: writerDefaults.flush_retained_memory },
});
const compactionDefaults = defaults.compaction;
const zstdLevel = Number(args["zstd-level"] ?? compactionDefaults.zstd_level);

// Request bodies are made outside the measured CPU; reused ones get shifted timestamps.
const reused = distinctBodies < files ? makeTracePayloads(distinctBodies, spansPerFile).bodies : [];
const body = (i: number) => reused[i % distinctBodies] ?? makeTracePayloads(1, spansPerFile, i + 1).bodies[0]!;
const traceIds: string[] = [];
let ingestCpu = 0;
const startNs = BigInt(Date.now()) * 1_000_000n - BigInt(hours) * HOUR_NS;
for (let i = 0; i < files; i++) {
  const request = body(i);
  const c0 = cpu();
  const { batch } = decodeExport("traces", request, "protobuf", `bench-${i}`);
  // Not part of ingest: left out of its CPU.
  const s0 = cpu();
  shiftTimes(batch!, startNs + (BigInt(i) * BigInt(hours) * HOUR_NS) / BigInt(files) - BigInt(Date.now()) * 1_000_000n);
  if (traceFlushes > 1) spreadTraces(batch!, Math.floor(i / traceFlushes));
  if (i % 10 === 0) traceIds.push(String(batch!.getChild("trace_id")!.get(0)));
  ingestCpu -= cpu() - s0;
  await flushFile({ catalog, store, db: duck.connection, scratchDir: join(root, ".scratch") }, "traces", [batch!], [`bench-${i}`]);
  ingestCpu += cpu() - c0;
  if ((i + 1) % 100 === 0) log(`  flushed ${i + 1}/${files} files`);
}
const spans = files * spansPerFile;
const small = await catalog.listDataFiles({ ...SCOPE, table: "traces" });
const smallBytes = small.reduce((n, f) => n + f.bytes, 0);

const compactor = await Compactor.open({
  catalog, store, log: quiet, scratchDir: join(root, ".scratch"), metrics: new MetricsRegistry(),
  retention: new RetentionPolicy(0), isPrimary: () => true,
  options: { intervalMs: 3_600_000, targetFileBytes: 256 * 1024 * 1024, minFiles: 4, concurrency: 1, memoryLimit: compactionDefaults.memory_limit, retainedMemory: compactionDefaults.retained_memory, zstdLevel, deleteGraceMs: 3_600_000 },
});
const c0 = cpu();
const t0 = performance.now();
let passes = 0;
while ((await compactor.runOnce()).compacted > 0) passes++;
const compactCpu = cpu() - c0;
const compactWall = (performance.now() - t0) / 1000;
await compactor.stop();
const compacted = await catalog.listDataFiles({ ...SCOPE, table: "traces" });
const compactedBytes = compacted.reduce((n, f) => n + f.bytes, 0);
log(`compacted ${small.length} files into ${compacted.length} in ${passes} pass(es), ${compactWall.toFixed(1)} s wall`);

// Generous: a search over a thousand small files on a loaded machine takes long, and that is what is measured.
const engine = await QueryEngine.open({ log: quiet, maxRows: 100_000, timeoutMs: 600_000 });
const paths = (list: DataFile[]) => list.map((f) => store.localPath(f.path)!);
const smallPaths = paths(small);
const compactedPaths = paths(compacted);
const range = { startNs: String(startNs - HOUR_NS), endNs: String(startNs + BigInt(hours + 1) * HOUR_NS) };
const byId = (i: number) => parseTicket({ kind: "trace_by_id", org: SCOPE.orgId, bucket: SCOPE.bucket, traceId: traceIds[(i * 7919) % traceIds.length]! });
// Tempo's legacy tags match a key outside its well-known list only as an equal string
// attribute: the status code is an int (no span would match), so the method stands in for it.
const search = () => parseTicket({ kind: "search", org: SCOPE.orgId, bucket: SCOPE.bucket, ...range, tags: { "service.name": "checkout", "http.request.method": "POST" }, limit: 20 });
// One request's url.full (one with an id in it) from the middle of the range: a needle a
// handful of traces match. The dedicated column holds it after its type letter `s`.
const needleUrl = String((await duck.connection.runAndReadAll(
  `SELECT substr(span_url_full, 2) FROM read_parquet(${quoteLiteral(smallPaths[Math.floor(smallPaths.length / 2)]!)}) ` +
    `WHERE span_url_full LIKE 's%/orders/%' LIMIT 1`,
)).getRows()[0]![0]);
const needle = () => parseTicket({ kind: "search", org: SCOPE.orgId, bucket: SCOPE.bucket, ...range, tags: { "url.full": needleUrl }, limit: 20 });
const iterations = Number(args.iterations);
const warmup = Number(args.warmup);
const traceTimes = await measureInTurns(iterations, warmup, {
  small: { run: (i) => engine.execute(byId(i), { files: smallPaths, live: [] }) },
  compacted: { run: (i) => engine.execute(byId(i), { files: compactedPaths, live: [] }) },
});
// A search's CPU as well as its time: on an idle 2-core machine DuckDB spreads a scan of
// many small files over both cores, so the wall-time ratio understates the work saved.
const searchCpu = { small: 0, compacted: 0 };
const cpuOf = (side: keyof typeof searchCpu, run: () => Promise<unknown>) => async () => {
  const c0 = cpu();
  await run();
  searchCpu[side] += cpu() - c0;
};
const searchTimes = await measureInTurns(Math.max(10, iterations / 4), Math.min(warmup, 5), {
  small: { run: cpuOf("small", () => engine.execute(search(), { files: smallPaths, live: [] })) },
  compacted: { run: cpuOf("compacted", () => engine.execute(search(), { files: compactedPaths, live: [] })) },
});
const needleTimes = await measureInTurns(Math.max(5, iterations / 8), Math.min(warmup, 2), {
  small: { run: () => engine.execute(needle(), { files: smallPaths, live: [] }) },
  compacted: { run: () => engine.execute(needle(), { files: compactedPaths, live: [] }) },
});
// Same answers both ways: compaction changed the layout, not the data.
for (let i = 0; i < 5; i++) {
  const a = (await engine.execute(byId(i), { files: smallPaths, live: [] })).numRows;
  const b = (await engine.execute(byId(i), { files: compactedPaths, live: [] })).numRows;
  if (a !== b || a === 0) throw new Error(`trace ${i}: ${a} spans over small files, ${b} compacted`);
}
const tagHits = (await engine.execute(search(), { files: smallPaths, live: [] })).numRows;
if (tagHits === 0 || tagHits !== (await engine.execute(search(), { files: compactedPaths, live: [] })).numRows) {
  throw new Error("the tag search found different traces over small and compacted files");
}
const needleHits = (await engine.execute(needle(), { files: smallPaths, live: [] })).numRows;
if (needleHits === 0 || needleHits !== (await engine.execute(needle(), { files: compactedPaths, live: [] })).numRows) {
  throw new Error("the needle search found different traces over small and compacted files");
}
await engine.close();

const perM = (seconds: number) => (seconds / spans) * 1e6;
// Warm-up runs included: the same count on both sides.
const searchRuns = Math.max(10, iterations / 4) + Math.min(warmup, 5);
const searchCpuMs = { small: (searchCpu.small / searchRuns) * 1e3, compacted: (searchCpu.compacted / searchRuns) * 1e3 };
log("");
log(`| ${pad("", 34)} | ${lpad("small files", 12)} | ${lpad("compacted", 12)} |`);
log(`|${"-".repeat(36)}|${"-".repeat(14)}|${"-".repeat(14)}|`);
log(`| ${pad("files", 34)} | ${lpad(String(small.length), 12)} | ${lpad(String(compacted.length), 12)} |`);
log(`| ${pad("bytes per span", 34)} | ${lpad((smallBytes / spans).toFixed(1), 12)} | ${lpad((compactedBytes / spans).toFixed(1), 12)} |`);
log(`| ${pad("CPU s per million spans", 34)} | ${lpad(perM(ingestCpu).toFixed(2) + " ingest", 12)} | ${lpad(perM(compactCpu).toFixed(2), 12)} |`);
log(`| ${pad("trace by id p50 / p99 ms", 34)} | ${lpad(`${ms(traceTimes.small.p50)} / ${ms(traceTimes.small.p99)}`, 12)} | ${lpad(`${ms(traceTimes.compacted.p50)} / ${ms(traceTimes.compacted.p99)}`, 12)} |`);
log(`| ${pad("tag search p50 / p99 ms", 34)} | ${lpad(`${ms(searchTimes.small.p50)} / ${ms(searchTimes.small.p99)}`, 12)} | ${lpad(`${ms(searchTimes.compacted.p50)} / ${ms(searchTimes.compacted.p99)}`, 12)} |`);
log(`| ${pad("tag search CPU ms (mean)", 34)} | ${lpad((searchCpuMs.small).toFixed(1), 12)} | ${lpad((searchCpuMs.compacted).toFixed(1), 12)} |`);
log(`| ${pad("needle search p50 / p99 ms", 34)} | ${lpad(`${ms(needleTimes.small.p50)} / ${ms(needleTimes.small.p99)}`, 12)} | ${lpad(`${ms(needleTimes.compacted.p50)} / ${ms(needleTimes.compacted.p99)}`, 12)} |`);
log("");
log(`compaction CPU / ingest CPU per span: ${(compactCpu / ingestCpu).toFixed(2)} (target ≤ 0.5); ` +
  `trace by id ${(traceTimes.small.p50 / traceTimes.compacted.p50).toFixed(1)}×, tag search ${(searchTimes.small.p50 / searchTimes.compacted.p50).toFixed(1)}× (CPU ${(searchCpuMs.small / searchCpuMs.compacted).toFixed(1)}×) ` +
  `and needle search ${(needleTimes.small.p50 / needleTimes.compacted.p50).toFixed(1)}× faster compacted (target ≥ 2); load ${load1()}`);
if (args.clickhouse) {
  const missing = clickhouseMissing();
  if (missing !== null) log(`\nClickHouse yardstick skipped: ${missing}`);
  else {
    // ClickHouse's own default zstd level, the compacted files' level, and a high one.
    const levels = [...new Set([1, zstdLevel, 9])].sort((a, b) => a - b);
    const sizes = await clickhouseSizes(duck.connection, compactedPaths, levels, join(dir, "clickhouse"));
    log("");
    for (const line of await peerReport(duck.connection, compactedPaths, compactedBytes, spans, sizes)) log(line);
  }
}
if (args.layouts) {
  // The compacted files' own row group size, so the layouts differ from them only where named.
  const groups = await duck.connection.runAndReadAll(`SELECT max(row_group_num_rows)::INTEGER FROM parquet_metadata([${compactedPaths.map(quoteLiteral).join(", ")}])`);
  const rowGroup = groups.getRows()[0]![0] as number;
  const sizes = await layoutSizes(duck.connection, compactedPaths, zstdLevel, rowGroup, join(dir, "layouts"));
  log("");
  log(`| ${pad(`layout of the compacted spans (zstd ${zstdLevel}, ${rowGroup}-row groups unless said)`, 70)} | ${lpad("bytes per span", 14)} | ${lpad("of which attributes", 19)} |`);
  log(`|${"-".repeat(72)}|${"-".repeat(16)}|${"-".repeat(21)}|`);
  for (const s of sizes) log(`| ${pad(s.layout, 70)} | ${lpad(s.bytesPerSpan.toFixed(1), 14)} | ${lpad(s.attributeBytesPerSpan.toFixed(1), 19)} |`);
  const cost = await rebuildCost(duck.connection, compactedPaths, join(dir, "rebuild"));
  log(
    `attribute JSON for ${cost.rows} spans: read ${cost.jsonMs.toFixed(0)} ms, rebuilt from text columns ${cost.rebuiltMs.toFixed(0)} ms ` +
      `(${(cost.rebuiltMs / cost.jsonMs).toFixed(1)}×, best of 3 in turns; ${cost.mismatches} rows differ); load ${load1()}`,
  );
}
duck.close();
await catalog.close();
rmSync(dir, { recursive: true, force: true });

/**
 * Renames the traces of a batch so that the files of one group share them: the n-th trace of
 * every file in group `group` gets the same id, so each trace has spans in every file of its
 * group (in place; the ids stay 32 random-looking hex digits).
 */
function spreadTraces(batch: RecordBatch, group: number): void {
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, "0");
  const ascii = new TextDecoder();
  const mix = (a: number, b: number) => {
    let h = Math.imul(a ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(b + 0x27d4eb2f, 0x165667b1);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    return h ^ (h >>> 12);
  };
  for (const data of batch.getChild("trace_id")!.data) {
    const bytes = data.values as Uint8Array;
    const offsets = data.valueOffsets as Int32Array;
    let nth = -1;
    let previous = "";
    for (let row = 0; row < data.length; row++) {
      const at = offsets[row]!;
      if (offsets[row + 1]! - at !== 32) throw new Error(`trace id of ${offsets[row + 1]! - at} characters, 32 expected`);
      const id = ascii.decode(bytes.subarray(at, at + 32));
      // A request holds each trace's spans together: a new id starts the next trace.
      if (id !== previous) nth++;
      previous = id;
      const renamed = [0, 1, 2, 3].map((k) => hex(mix(group * 4 + k, nth))).join("");
      for (let k = 0; k < 32; k++) bytes[at + k] = renamed.charCodeAt(k);
    }
  }
}

/** Moves every start and end time of a traces batch by `deltaNs` (in place). */
function shiftTimes(batch: RecordBatch, deltaNs: bigint): void {
  for (const column of ["start_time_unix_nano", "end_time_unix_nano"]) {
    for (const data of batch.getChild(column)!.data) {
      const values = data.values as BigInt64Array;
      for (let i = 0; i < data.length; i++) values[i] = values[i]! + deltaNs;
    }
  }
}
