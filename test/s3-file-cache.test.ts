/**
 * The querier's file cache over a real S3-compatible server: misses download, hits don't,
 * concurrent misses share one download, fills are size-verified, eviction is LRU and never
 * takes a file a query holds, a restart adopts what is on disk — and a cold trace-by-id
 * downloads only the files whose footers (row-group min/max, bloom filters) can hold it.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { openDuckDB } from "../shared/duckdb/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { MetricsRegistry } from "../shared/metrics/index.ts";
import { S3BlobStore } from "../shared/storage/index.ts";
import { CacheFillError, FileCache } from "../services/querier/file-cache.ts";
import { CachedFileSource } from "../services/querier/file-cache-source.ts";
import { TraceFilePruner } from "../services/querier/trace-file-pruner.ts";
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from "./helpers/s3-server.ts";
import { tempDir } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const log = createLogger({ level: "warn", bindings: { role: "test" } });
let s3: TestS3Server;
let store: S3BlobStore;
const dir = tempDir("s3-cache");
const sizes = new Map<string, number>();

async function putBlob(key: string, bytes: number): Promise<void> {
  const data = new Uint8Array(bytes).fill(key.length % 251);
  await store.put(key, data);
  sizes.set(key, bytes);
}

const openCache = async (name: string, maxBytes: number, metrics = new MetricsRegistry()) =>
  ({ cache: await FileCache.open({ dir: join(dir, name), maxBytes, store, log, metrics }), metrics });
const count = (metrics: MetricsRegistry, name: string, labels: Record<string, string>) => metrics.counter(name, "").get(labels);

beforeAll(async () => {
  s3 = await startS3Server();
  store = new S3BlobStore({ bucket: s3.bucket, prefix: "cache", endpoint: s3.endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS });
  for (const k of ["a", "b", "c", "d"]) await putBlob(`o/b/traces/${k}.bin`, 1000);
});
afterAll(() => s3.dispose());

describe("FileCache", () => {
  test("a miss downloads, a hit does not; concurrent misses share one download; counted in metrics", async () => {
    const { cache, metrics } = await openCache("c1", 1 << 20);
    const paths = await Promise.all(Array.from({ length: 5 }, () => cache.acquireFile("o/b/traces/a.bin", 1000)));
    expect(new Set(paths).size).toBe(1);
    expect((await Bun.file(paths[0]!).bytes()).byteLength).toBe(1000);
    expect(await count(metrics, "signalbox_querier_cache_misses_total", { kind: "file" })).toBe(1);
    expect(await count(metrics, "signalbox_querier_cache_fetched_bytes_total", { kind: "file" })).toBe(1000);
    await cache.acquireFile("o/b/traces/a.bin", 1000);
    expect(await count(metrics, "signalbox_querier_cache_hits_total", { kind: "file" })).toBe(1);
    expect(await metrics.render()).toContain("signalbox_querier_cache_bytes 1000");
  });

  test("a file that left the manifest is dropped now, or when the last query holding it lets go", async () => {
    const { cache, metrics } = await openCache("c-forget", 1 << 20);
    const idle = await cache.acquireFile("o/b/traces/c.bin", 1000);
    cache.release("o/b/traces/c.bin", "file");
    const held = await cache.acquireFile("o/b/traces/d.bin", 1000);
    await cache.forget(["o/b/traces/c.bin", "o/b/traces/d.bin"]);
    expect(existsSync(idle)).toBe(false);
    // A query still reading it keeps it until it is done.
    expect(existsSync(held)).toBe(true);
    cache.release("o/b/traces/d.bin", "file");
    await Bun.sleep(20);
    expect(existsSync(held)).toBe(false);
    expect(cache.size).toBe(0);
    // Nor are their folders kept: one per table and hour would pile up for good.
    expect(readdirSync(join(dir, "c-forget"))).toEqual([]);
    expect(await count(metrics, "signalbox_querier_cache_forgotten_total", { kind: "file" })).toBe(2);
  });

  test("a fill whose size does not match the manifest fails and leaves nothing behind", async () => {
    const { cache } = await openCache("c2", 1 << 20);
    await expect(cache.acquireFile("o/b/traces/b.bin", 999)).rejects.toThrow(CacheFillError);
    expect(cache.size).toBe(0);
    expect(readdirSync(join(dir, "c2")).filter((n) => n.startsWith(".tmp-"))).toEqual([]);
    // The next query tries again (here with the right size) and succeeds.
    expect(existsSync(await cache.acquireFile("o/b/traces/b.bin", 1000))).toBe(true);
  });

  test("LRU eviction within cache_max_bytes, never of a file in use; a restart adopts the files on disk", async () => {
    const { cache } = await openCache("c3", 2500);
    const pa = await cache.acquireFile("o/b/traces/a.bin", 1000);
    const pb = await cache.acquireFile("o/b/traces/b.bin", 1000);
    cache.release("o/b/traces/a.bin", "file");
    cache.release("o/b/traces/b.bin", "file");
    await cache.acquireFile("o/b/traces/a.bin", 1000); // a is now the most recently used
    cache.release("o/b/traces/a.bin", "file");
    const pc = await cache.acquireFile("o/b/traces/c.bin", 1000); // over budget: b goes
    expect([existsSync(pa), existsSync(pb), existsSync(pc)]).toEqual([true, false, true]);
    // c is held by a "query": filling d must evict a, not c, and stay within budget.
    await cache.acquireFile("o/b/traces/d.bin", 1000);
    expect(existsSync(pc)).toBe(true);
    expect(existsSync(pa)).toBe(false);
    expect(cache.bytes).toBe(2000);
    await Bun.write(join(dir, "c3", ".tmp-crashed"), "junk");
    const reopened = (await openCache("c3", 2500)).cache;
    expect(reopened.size).toBe(2);
    expect(reopened.bytes).toBe(2000);
    expect(existsSync(join(dir, "c3", ".tmp-crashed"))).toBe(false);
  });
});

describe("cold trace-by-id through the cache", () => {
  test("only files whose row-group statistics or bloom filters admit the trace are downloaded", async () => {
    const duck = await openDuckDB();
    const files: Array<{ path: string; bytes: number; table: string }> = [];
    try {
      // Four traces files: three with disjoint trace_id ranges, one spanning every id but
      // with a bloom filter (8 spans per trace → dictionary-encoded → DuckDB writes one).
      const sources = [
        `SELECT '0' || md5(i::VARCHAR)[2:] AS trace_id, i FROM range(3000) t(i)`,
        `SELECT '5' || md5(i::VARCHAR)[2:] AS trace_id, i FROM range(3000) t(i)`,
        `SELECT 'a' || md5(i::VARCHAR)[2:] AS trace_id, i FROM range(3000) t(i)`,
        `SELECT md5((i // 8)::VARCHAR) AS trace_id, i FROM range(4000) t(i)`,
      ];
      for (const [n, sql] of sources.entries()) {
        const local = join(dir, `t${n}.parquet`);
        await duck.connection.run(`COPY (${sql} ORDER BY trace_id) TO '${local}' (FORMAT parquet, COMPRESSION zstd)`);
        const key = `o/b/traces/date=2025-01-01/hour=00/t${n}.parquet`;
        const bytes = Bun.file(local).size;
        await store.putFile(key, local);
        files.push({ path: key, bytes, table: "traces" });
      }
      const target = (await duck.connection.runAndReadAll(`SELECT '5' || md5('42')[2:] AS t`)).getRowObjectsJS()[0]!.t as string;
      const metrics = new MetricsRegistry();
      const { cache } = await openCache("c4", 1 << 30, metrics);
      const source = new CachedFileSource(cache, await TraceFilePruner.open(), log, metrics);
      try {
        const lease = await source.acquire(files, { traceId: target });
        expect(lease.paths.map((p) => p.split("/").pop())).toEqual(["t1.parquet"]);
        const rows = await duck.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${lease.paths[0]}') WHERE trace_id = '${target}'`);
        expect(rows.getRowObjectsJS()).toEqual([{ n: 1 }]);
        lease.release();
        expect(await count(metrics, "signalbox_querier_cache_misses_total", { kind: "footer" })).toBe(4);
        expect(await count(metrics, "signalbox_querier_cache_misses_total", { kind: "file" })).toBe(1);
        expect(await count(metrics, "signalbox_querier_files_pruned_total", { table: "traces" })).toBe(3);
        // The spanning file is kept for a trace it holds (its bloom filter admits it).
        const inWide = (await duck.connection.runAndReadAll(`SELECT md5('7') AS t`)).getRowObjectsJS()[0]!.t as string;
        const wide = await source.acquire(files, { traceId: inWide });
        expect(wide.paths.map((p) => p.split("/").pop())).toContain("t3.parquet");
        wide.release();
        // Warm: footers and the file come from the cache.
        const again = await source.acquire(files, { traceId: target });
        again.release();
        expect(await count(metrics, "signalbox_querier_cache_misses_total", { kind: "footer" })).toBe(4);
        expect(await count(metrics, "signalbox_querier_cache_hits_total", { kind: "file" })).toBeGreaterThanOrEqual(1);
        // Other queries (no trace id) take every file the manifest chose.
        const all = await source.acquire(files);
        expect(all.paths.length).toBe(4);
        all.release();
      } finally {
        await source.close();
      }
    } finally {
      duck.close();
    }
  });
});
