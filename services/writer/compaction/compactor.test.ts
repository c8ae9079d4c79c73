import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCatalog, type CatalogRepository, type DataFile } from "../../../shared/catalog/index.ts";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { MetricsRegistry } from "../../../shared/metrics/index.ts";
import { RetentionPolicy } from "../../../shared/retention/index.ts";
import { LocalBlobStore } from "../../../shared/storage/index.ts";
import { flushFile, rowsPerBatch, SCOPE } from "../../../test/helpers/compaction-fixtures.ts";
import { makeGenericBatch, makeSpanBatch } from "../../../test/helpers/wal-batches.ts";
import { parquetOptions, parseFooter, readParquetFooter } from "../parquet/index.ts";
import { Compactor, type CompactorOptions } from "./compactor.ts";

const HOUR_NS = 3_600_000_000_000n;
const T0 = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const quiet = createLogger({ level: "error", sink: () => {} });

let dir: string;
let root: string;
let catalog: CatalogRepository;
let store: LocalBlobStore;
let duck: DuckDBHandle;
let metrics: MetricsRegistry;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-compaction-"));
  root = join(dir, "data");
  mkdirSync(join(root, ".scratch"), { recursive: true });
  catalog = await openCatalog("sqlite::memory:", { log: quiet });
  store = new LocalBlobStore(root);
  duck = await openDuckDB();
  metrics = new MetricsRegistry();
});

afterEach(async () => {
  duck.close();
  await catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

const target = () => ({ catalog, store, db: duck.connection, scratchDir: join(root, ".scratch") });

async function compactor(options: Partial<CompactorOptions> = {}, retention = new RetentionPolicy(0), isPrimary = (_: number) => true) {
  return Compactor.open({
    catalog, store, scratchDir: join(root, ".scratch"), log: quiet, metrics, retention, isPrimary,
    options: { intervalMs: 60_000, targetFileBytes: 64 * 1024 * 1024, minFiles: 2, concurrency: 1, memoryLimit: "256MB", deleteGraceMs: 60_000, ...options },
  });
}

/** `count` small span files in hour `hour` after T0, batch ids `{prefix}{i}`. */
async function spanFiles(count: number, hour: number, prefix: string, rows = 50): Promise<DataFile[]> {
  const files: DataFile[] = [];
  for (let i = 0; i < count; i++) {
    const batchId = `${prefix}${i}`;
    const batch = makeSpanBatch({ batchId, rows, seed: i + hour * 1000, baseTimeNs: T0 + BigInt(hour) * HOUR_NS + BigInt(i) * 1_000_000_000n });
    files.push(await flushFile(target(), "traces", [batch], [batchId], { createdAt: 1_000 + i }));
  }
  return files;
}

const listed = () => catalog.listDataFiles({ ...SCOPE, table: "traces" });
const localPaths = (files: DataFile[]) => files.map((f) => store.localPath(f.path)!);

describe("compaction", () => {
  test("each hour's small files become one sorted file holding every row once, with the inputs' footer facts", async () => {
    const before = [...(await spanFiles(6, 0, "a")), ...(await spanFiles(5, 1, "b"))];
    const expected = await rowsPerBatch(duck.connection, localPaths(before));
    const c = await compactor();
    const summary = await c.runOnce();
    await c.stop();
    expect(summary.compacted).toBe(2);
    const after = await listed();
    expect(after).toHaveLength(2);
    expect(await rowsPerBatch(duck.connection, localPaths(after))).toEqual(expected);
    for (const file of after) {
      const footer = parseFooter(file.path, await readParquetFooter(duck.connection, store.localPath(file.path)!));
      expect(footer.batchIds.sort()).toEqual([...file.batchIds].sort());
      expect(footer.shardId).toBe(1);
      expect(footer.rows).toBe(file.rows);
      const inputs = before.filter((b) => b.path.startsWith(file.path.slice(0, file.path.lastIndexOf("/"))));
      expect(footer.minTimeNs).toBe(inputs.reduce((m, f) => (BigInt(f.minTime) < m ? BigInt(f.minTime) : m), BigInt(inputs[0]!.minTime)));
      // Whole traces, newest trace first, each trace's spans in start order (merge.ts compactedOrderSql).
      const rows = (await duck.connection.runAndReadAll(`SELECT trace_id, start_time_unix_nano FROM '${store.localPath(file.path)}'`)).getRows() as [string, bigint][];
      const firstStart = new Map<string, bigint>();
      for (const [id, start] of rows) if (!firstStart.has(id) || start < firstStart.get(id)!) firstStart.set(id, start);
      const key = ([id, start]: [string, bigint]) => [-firstStart.get(id)!, id, start] as const;
      const sorted = [...rows].sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        return x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] !== y[1] ? (x[1] < y[1] ? -1 : 1) : x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0;
      });
      expect(rows).toEqual(sorted);
    }
    // The inputs are retired, not deleted: queries that listed them keep reading them until the grace has passed.
    expect(before.every((f) => existsSync(store.localPath(f.path)!))).toBe(true);
    expect((await catalog.retiredFiles(Date.now())).length).toBe(11);
    expect(await metrics.render()).toContain('signalbox_compaction_runs_total{outcome="compacted",table="traces"} 2');
  }, 30_000);

  test("a batch two files hold (flushed twice after a failover) is stored once", async () => {
    const files = await spanFiles(4, 0, "a");
    const again = makeSpanBatch({ batchId: "a1", rows: 50, seed: 1, baseTimeNs: T0 + 1_000_000_000n });
    await flushFile(target(), "traces", [again], ["a1"], { createdAt: 5_000 });
    const c = await compactor();
    await c.runOnce();
    await c.stop();
    const after = await listed();
    expect(after).toHaveLength(1);
    expect(after[0]!.rows).toBe(200);
    const perBatch = await rowsPerBatch(duck.connection, localPaths(after));
    expect([...perBatch.values()]).toEqual([50, 50, 50, 50]);
    expect(files).toHaveLength(4);
  });

  test("retired inputs are deleted after the grace, unknown old files are swept, young ones kept", async () => {
    const inputs = await spanFiles(3, 0, "a");
    const c = await compactor({ deleteGraceMs: 60_000 });
    const t = Date.now();
    await c.runOnce(t);
    // A file a crash left unrecorded, old enough; and one being recorded right now.
    const orphan = "acme/default/traces/date=2026-01-01/hour=00/01900000-0000-7000-8000-000000000001.parquet";
    const young = "acme/default/traces/date=2026-01-01/hour=00/01900000-0000-7000-8000-000000000002.parquet";
    for (const key of [orphan, young]) writeFileSync(store.localPath(key)!, "not yet recorded");
    const old = new Date(t - 120_000);
    utimesSync(store.localPath(orphan)!, old, old);
    const fresh = new Date(t + 30_000);
    utimesSync(store.localPath(young)!, fresh, fresh);
    const summary = await c.runOnce(t + 61_000);
    await c.stop();
    expect(summary.deleted).toBe(3);
    expect(summary.orphans).toBe(1);
    expect(inputs.some((f) => existsSync(store.localPath(f.path)!))).toBe(false);
    expect(existsSync(store.localPath(orphan)!)).toBe(false);
    expect(existsSync(store.localPath(young)!)).toBe(true);
    expect(await catalog.retiredFiles(Number.MAX_SAFE_INTEGER)).toEqual([]);
    const output = (await listed())[0]!;
    expect(existsSync(store.localPath(output.path)!)).toBe(true);
    expect(await metrics.render()).toContain('signalbox_storage_deleted_files_total{reason="compacted",table="traces"} 3');
  });

  test("stop interrupts a merge under way: nothing half-recorded, every row still recorded once", async () => {
    const before = [...(await spanFiles(8, 0, "a", 2_000)), ...(await spanFiles(8, 1, "b", 2_000))];
    const expected = await rowsPerBatch(duck.connection, localPaths(before));
    const c = await compactor();
    const pass = c.runOnce();
    await Bun.sleep(50);
    await c.stop();
    await pass;
    const after = await listed();
    expect(await rowsPerBatch(duck.connection, localPaths(after))).toEqual(expected);
  }, 30_000);

  test("compacted spans are encoded more tightly than a flush, in 2,048-row groups, rows unchanged", async () => {
    await spanFiles(5, 0, "a", 1_000);
    const c = await compactor();
    await c.runOnce();
    await c.stop();
    const path = store.localPath((await listed())[0]!.path)!;
    const groups = (await duck.connection.runAndReadAll(
      `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(${quoteLiteral(path)}) ORDER BY row_group_id`,
    )).getRows();
    expect(groups.map(([, rows]) => Number(rows))).toEqual([2_048, 2_048, 904]);
    // The same rows, in the same order and row groups, encoded as a flush encodes them.
    const asFlushed = join(dir, "as-flushed.parquet");
    await duck.connection.run(
      `COPY (SELECT * EXCLUDE (file_row_number) FROM read_parquet(${quoteLiteral(path)}, file_row_number = true) ORDER BY file_row_number) ` +
        `TO ${quoteLiteral(asFlushed)} (${parquetOptions("traces", { rowGroupSize: 2_048 })})`,
    );
    expect(statSync(path).size).toBeLessThan(statSync(asFlushed).size);
    const differing = await duck.connection.runAndReadAll(
      `SELECT count(*) FROM (FROM read_parquet(${quoteLiteral(path)}) EXCEPT ALL FROM read_parquet(${quoteLiteral(asFlushed)}))`,
    );
    expect(Number(differing.getRows()[0]![0])).toBe(0);
  }, 30_000);

  test("only the shards this writer is primary of are compacted", async () => {
    await spanFiles(3, 0, "a");
    const c = await compactor({}, new RetentionPolicy(0), (shard) => shard !== 1);
    expect((await c.runOnce()).compacted).toBe(0);
    await c.stop();
    expect(await listed()).toHaveLength(3);
  });

  test("logs and metrics compact too", async () => {
    for (const table of ["logs", "metrics"] as const) {
      for (let i = 0; i < 3; i++) {
        const batch = makeGenericBatch(table, { batchId: `${table}${i}`, rows: 20, seed: i, baseTimeNs: T0 + BigInt(i) * 1_000_000n });
        await flushFile(target(), table, [batch], [`${table}${i}`]);
      }
    }
    const c = await compactor();
    expect((await c.runOnce()).compacted).toBe(2);
    await c.stop();
    for (const table of ["logs", "metrics"] as const) {
      const files = await catalog.listDataFiles({ ...SCOPE, table });
      expect(files.map((f) => f.rows)).toEqual([60]);
    }
  });
});

describe("retention", () => {
  test("files wholly past retention leave the manifest at once and storage after the grace; an org override is honoured", async () => {
    const now = Number((T0 + 10n * HOUR_NS) / 1_000_000n);
    const old = await spanFiles(1, 0, "old"); // 10 h old
    const young = await spanFiles(1, 8, "young"); // 2 h old
    const other = makeSpanBatch({ batchId: "globex0", rows: 10, baseTimeNs: T0 });
    const globex = await flushFile(target(), "traces", [other], ["globex0"], { orgId: "globex" });
    const retention = new RetentionPolicy(5 * 3_600_000, [{ org: "globex", period: 24 * 3_600_000 }]);
    const c = await compactor({ deleteGraceMs: 1_000 }, retention);
    const summary = await c.runOnce(now);
    expect(summary.expired).toBe(1);
    expect((await listed()).map((f) => f.path)).toEqual([young[0]!.path]);
    expect(await catalog.listDataFiles({ orgId: "globex", bucket: "default", table: "traces" })).toEqual([globex]);
    expect(existsSync(store.localPath(old[0]!.path)!)).toBe(true);
    await c.runOnce(now + 2_000);
    await c.stop();
    expect(existsSync(store.localPath(old[0]!.path)!)).toBe(false);
    expect(existsSync(store.localPath(young[0]!.path)!)).toBe(true);
    expect(await metrics.render()).toContain('signalbox_retention_expired_rows_total{table="traces"} 50');
  });

  test("a file with rows on both sides of the cutoff is rewritten without the expired rows", async () => {
    const now = Number((T0 + 10n * HOUR_NS) / 1_000_000n);
    // One flush holding an old batch and a young one (late data): it straddles a 5 h cutoff.
    const old = makeSpanBatch({ batchId: "old", rows: 30, baseTimeNs: T0 + 2n * HOUR_NS });
    const young = makeSpanBatch({ batchId: "young", rows: 20, baseTimeNs: T0 + 8n * HOUR_NS });
    const mixed = await flushFile(target(), "traces", [old, young], ["old", "young"]);
    const c = await compactor({ deleteGraceMs: 1_000 }, new RetentionPolicy(5 * 3_600_000));
    await c.runOnce(now);
    await c.runOnce(now + 2_000);
    await c.stop();
    const after = await listed();
    expect(after).toHaveLength(1);
    expect(after[0]!.rows).toBe(20);
    // Its folder is the hour of its new first row; both batch ids stay persisted (no replica flushes them again).
    expect(after[0]!.path).toContain("hour=08");
    expect(after[0]!.batchIds.sort()).toEqual(["old", "young"]);
    expect(await rowsPerBatch(duck.connection, localPaths(after))).toEqual(new Map([["young", 20]]));
    expect(existsSync(store.localPath(mixed.path)!)).toBe(false);
  });
});
