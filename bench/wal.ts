/**
 * WAL benchmark: appends/s and MiB/s at concurrency 1, 8 and 64 with batches of 1,000
 * realistic spans (15 attributes as OTLP/JSON), plus fsync (write + fdatasync) and append
 * latency percentiles. Every acknowledged batch is released at once, so segments rotate and
 * are deleted as in steady state.
 *
 * usage: bun bench/wal.ts [seconds per level = 5] [dir = a temp dir]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../shared/log/index.ts";
import { WriteAheadLog, type WalEntry } from "../services/writer/wal/index.ts";
import { makeSpanBatch } from "../test/helpers/wal-batches.ts";

const seconds = Number(process.argv[2] ?? 5);
const root = process.argv[3] ?? (await mkdtemp(join(tmpdir(), "sbx-bench-wal-")));
const SPANS = 1000;
const log = createLogger({ level: "warn", bindings: { role: "bench" } });

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const f = (n: number, d = 1) => n.toFixed(d);

console.log(`WAL bench: ${SPANS}-span batches, ${seconds}s per level, dir ${root}`);
const batch = makeSpanBatch({ batchId: "bench", rows: SPANS, seed: 42 });
const results: Record<string, string | number>[] = [];

for (const concurrency of [1, 8, 64]) {
  const dir = join(root, `c${concurrency}`);
  const syncMs: number[] = [];
  const appendMs: number[] = [];
  let recordsPerSync = 0;
  const wal = await WriteAheadLog.open(dir, {
    log,
    onSync: (s) => {
      syncMs.push(s.durationMs);
      recordsPerSync += s.records;
    },
  });
  let next = 0;
  let acked = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const progress = setInterval(() => {
    const el = (performance.now() - started) / 1000;
    console.log(`  c=${concurrency} t=${f(el)}s appends=${acked} (${f(acked / el, 0)}/s)`);
  }, 1000);

  const worker = async () => {
    while (performance.now() < deadline) {
      const entry: WalEntry = { batchId: `b${next++}`, orgId: "o", bucket: "b", table: "traces", shardId: 0, batch };
      const t0 = performance.now();
      await wal.append(entry);
      appendMs.push(performance.now() - t0);
      acked++;
      await wal.release([entry.batchId]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(progress);
  const elapsed = (performance.now() - started) / 1000;
  const stats = wal.stats();
  await wal.close();
  syncMs.sort((a, b) => a - b);
  appendMs.sort((a, b) => a - b);
  const row = {
    concurrency,
    "appends/s": f(acked / elapsed, 0),
    "spans/s": f((acked * SPANS) / elapsed, 0),
    "MiB/s": f(stats.bytesWritten / elapsed / 1048576),
    "KiB/record": f(stats.bytesWritten / stats.appends / 1024, 0),
    fsyncs: stats.fsyncs,
    "records/fsync": f(recordsPerSync / syncMs.length, 2),
    "fsync p50 ms": f(syncMs.length ? pct(syncMs, 50) : NaN, 2),
    "fsync p99 ms": f(pct(syncMs, 99), 2),
    "append p50 ms": f(pct(appendMs, 50), 2),
    "append p99 ms": f(pct(appendMs, 99), 2),
  };
  results.push(row);
  console.log(`  done: ${JSON.stringify(row)}`);
}

console.table(results);
if (!process.argv[3]) await rm(root, { recursive: true, force: true });
