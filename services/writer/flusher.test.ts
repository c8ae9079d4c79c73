/**
 * The flusher isolates failure per (org, bucket, table) group: a group whose file cannot be
 * stored stays buffered and in the WAL, is retried after a growing pause rather than at
 * every flush, and never keeps the other groups from reaching Parquet; a group that keeps
 * failing is tried batch by batch, and the batch at fault is quarantined.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CatalogError, openCatalog, type CatalogRepository } from "../../shared/catalog/index.ts";
import { openDuckDB, type DuckDBHandle } from "../../shared/duckdb/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { MetricsRegistry } from "../../shared/metrics/index.ts";
import { LocalBlobStore } from "../../shared/storage/index.ts";
import { makeGenericBatch } from "../../test/helpers/wal-batches.ts";
import { Flusher, ISOLATE_AFTER_FAILURES } from "./flusher.ts";
import { LiveBuffer } from "./live-buffer.ts";
import { Quarantine } from "./quarantine.ts";
import { WriteAheadLog } from "./wal/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let root: string;
let db: DuckDBHandle;
let catalog: CatalogRepository;
let wal: WriteAheadLog;
const lines: Array<Record<string, unknown>> = [];
const log = createLogger({ level: "debug", sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });

/** A local store whose putFile fails for keys under a broken org until healed. */
class FlakyStore extends LocalBlobStore {
  broken = new Set<string>();
  attempts = new Map<string, number>();
  /** Puts that fail before the broken set is consulted (storage flickering back). */
  failNext = 0;
  /** Puts that store the file and then fail, as an upload whose answer was lost. */
  landThenFail = 0;
  override async putFile(key: string, localPath: string): Promise<void> {
    const org = key.split("/")[0]!;
    this.attempts.set(org, (this.attempts.get(org) ?? 0) + 1);
    if (this.failNext > 0 && this.failNext--) throw new Error("connection reset");
    if (this.broken.has(org)) throw new Error(`disk of ${org} is on fire`);
    await super.putFile(key, localPath);
    if (this.landThenFail > 0 && this.landThenFail--) throw new Error("socket closed before the answer");
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sbx-flusher-"));
  db = await openDuckDB();
  catalog = await openCatalog("sqlite::memory:", { log });
  wal = await WriteAheadLog.open(join(root, "wal"), { log });
});
afterAll(async () => {
  await wal.close();
  db.close();
  await rm(root, { recursive: true, force: true });
});

test("a failing group backs off while the others flush", async () => {
  const store = new FlakyStore(join(root, "store"));
  const metrics = new MetricsRegistry();
  const buffer = new LiveBuffer();
  const flusher = new Flusher({
    buffer, wal, store, catalog, db: db.connection, scratchDir: join(root, "scratch"), log, metrics,
    intervalMs: 60_000, maxBufferRows: 1_000_000, isPrimary: () => true,
    quarantine: await Quarantine.open(join(root, "quarantine"), log, metrics),
  });
  const put = async (orgId: string, n: number) => {
    const entry = { batchId: `${orgId}-${n}`, orgId, bucket: "default", table: "logs" as const, shardId: 0, batch: makeGenericBatch("logs", { batchId: `${orgId}-${n}`, rows: 10, seed: n }) };
    await wal.append(entry);
    buffer.add(entry);
  };
  store.broken.add("broken");
  await put("broken", 1);
  await put("acme", 1);

  expect((await flusher.flush("interval")).map((f) => f.orgId)).toEqual(["acme"]);
  expect(buffer.entries("broken", "default", "logs")).toHaveLength(1);
  expect(lines.filter((l) => l.event === "flush.group_failed")).toMatchObject([{ org: "broken", table: "logs", failures: 1, retry_in_ms: 60_000 }]);

  // Timed and buffer-full flushes leave it to its pause; other orgs go on.
  await put("acme", 2);
  await put("globex", 1);
  for (const reason of ["interval", "buffer_full", "interval"]) await flusher.flush(reason);
  expect(store.attempts.get("broken")).toBe(1);
  expect(buffer.entries("acme", "default", "logs")).toHaveLength(0);
  expect(buffer.entries("globex", "default", "logs")).toHaveLength(0);
  expect(await metrics.render()).toContain('signalbox_writer_flush_failures_total{table="logs"} 1');
  expect(await metrics.render()).toContain("signalbox_writer_flush_backoff_groups 1");

  // An operator's flush tries it at once; healed, it is written and the pause forgotten.
  store.broken.clear();
  expect((await flusher.flush("action")).map((f) => f.orgId)).toEqual(["broken"]);
  expect(buffer.rows).toBe(0);
  expect(lines.filter((l) => l.event === "flush.group_recovered")).toMatchObject([{ org: "broken", failures: 1 }]);
  expect(await metrics.render()).toContain("signalbox_writer_flush_backoff_groups 0");
});

test("the pause doubles with each failure, up to five minutes", async () => {
  const store = new FlakyStore(join(root, "store2"));
  const metrics = new MetricsRegistry();
  const buffer = new LiveBuffer();
  lines.length = 0;
  const flusher = new Flusher({
    buffer, wal, store, catalog, db: db.connection, scratchDir: join(root, "scratch"), log, metrics,
    intervalMs: 100_000, maxBufferRows: 1_000_000, isPrimary: () => true,
    quarantine: await Quarantine.open(join(root, "quarantine2"), log, metrics),
  });
  store.broken.add("broken");
  const entry = { batchId: "doubling", orgId: "broken", bucket: "default", table: "metrics" as const, shardId: 0, batch: makeGenericBatch("metrics", { batchId: "doubling", rows: 3 }) };
  buffer.add(entry);
  for (let i = 0; i < 4; i++) await flusher.flush("action");
  expect(lines.filter((l) => l.event === "flush.group_failed").map((l) => l.retry_in_ms)).toEqual([100_000, 200_000, 300_000, 300_000]);
});

test("a group that keeps failing is flushed batch by batch; the batch at fault is quarantined, no file is left", async () => {
  // A catalog that refuses any file holding the batch "bad" (as it refuses a malformed one).
  const refusing = new Proxy(catalog, {
    get(target, name) {
      if (name === "addDataFile") {
        return async (file: Parameters<CatalogRepository["addDataFile"]>[0]) => {
          if (file.batchIds.includes("bad")) throw new CatalogError("invalid_argument", "bad is refused");
          return target.addDataFile(file);
        };
      }
      const value = Reflect.get(target, name) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const store = new FlakyStore(join(root, "store3"));
  const metrics = new MetricsRegistry();
  const buffer = new LiveBuffer();
  const quarantine = await Quarantine.open(join(root, "quarantine3"), log, metrics);
  lines.length = 0;
  const flusher = new Flusher({
    buffer, wal, store, catalog: refusing, db: db.connection, scratchDir: join(root, "scratch"), log, metrics,
    intervalMs: 60_000, maxBufferRows: 1_000_000, isPrimary: () => true, quarantine,
  });
  for (const id of ["good-1", "bad", "good-2"]) {
    const entry = { batchId: id, orgId: "acme", bucket: "default", table: "traces" as const, shardId: 0, batch: makeGenericBatch("traces", { batchId: id, rows: 4 }) };
    await wal.append(entry);
    buffer.add(entry);
  }
  const parquetFiles = async () => (await store.list("acme/")).filter((b) => b.key.endsWith(".parquet"));

  for (let i = 0; i < ISOLATE_AFTER_FAILURES; i++) expect(await flusher.flush("action")).toEqual([]);
  expect(lines.filter((l) => l.event === "flush.group_failed")).toHaveLength(ISOLATE_AFTER_FAILURES);
  expect(await parquetFiles()).toEqual([]); // each refused file was removed
  expect(buffer.rows).toBe(12);

  const files = await flusher.flush("action");
  expect(files.flatMap((f) => f.batchIds).sort()).toEqual(["good-1", "good-2"]);
  expect((await parquetFiles()).length).toBe(2);
  expect(quarantine.list()).toMatchObject([{ batch_id: "bad", org_id: "acme", table: "traces", rows: 4 }]);
  expect(quarantine.list()[0]!.reason).toContain("its flush failed alone while 2 other batches of its group flushed: bad is refused");
  expect(buffer.rows).toBe(0);
  expect(lines.filter((l) => l.event === "flush.group_recovered")).toHaveLength(1);
});

test("batch by batch, a group none of whose batches flushes keeps waiting: nothing is quarantined", async () => {
  const store = new FlakyStore(join(root, "store4"));
  const metrics = new MetricsRegistry();
  const buffer = new LiveBuffer();
  const quarantine = await Quarantine.open(join(root, "quarantine4"), log, metrics);
  const flusher = new Flusher({
    buffer, wal, store, catalog, db: db.connection, scratchDir: join(root, "scratch"), log, metrics,
    intervalMs: 60_000, maxBufferRows: 1_000_000, isPrimary: () => true, quarantine,
  });
  store.broken.add("down");
  for (const id of ["d-1", "d-2"]) buffer.add({ batchId: id, orgId: "down", bucket: "default", table: "logs", shardId: 0, batch: makeGenericBatch("logs", { batchId: id, rows: 2 }) });
  for (let i = 0; i <= ISOLATE_AFTER_FAILURES + 1; i++) await flusher.flush("action");
  expect(quarantine.list()).toEqual([]);
  expect(buffer.rows).toBe(4);
});

test("storage failing for one batch while its siblings flush quarantines nothing: the batch waits", async () => {
  const store = new FlakyStore(join(root, "store5"));
  const metrics = new MetricsRegistry();
  const buffer = new LiveBuffer();
  const quarantine = await Quarantine.open(join(root, "quarantine5"), log, metrics);
  const flusher = new Flusher({
    buffer, wal, store, catalog, db: db.connection, scratchDir: join(root, "scratch"), log, metrics,
    intervalMs: 60_000, maxBufferRows: 1_000_000, isPrimary: () => true, quarantine,
  });
  store.broken.add("flicker");
  for (const id of ["f-1", "f-2", "f-3"]) buffer.add({ batchId: id, orgId: "flicker", bucket: "default", table: "logs", shardId: 0, batch: makeGenericBatch("logs", { batchId: id, rows: 2 }) });
  for (let i = 0; i < ISOLATE_AFTER_FAILURES; i++) await flusher.flush("action");
  // Storage comes back during the batch-by-batch try: the first put still fails.
  store.broken.clear();
  store.failNext = 1;
  expect((await flusher.flush("action")).flatMap((f) => f.batchIds).sort()).toEqual(["f-2", "f-3"]);
  expect(quarantine.list()).toEqual([]);
  expect(buffer.entries("flicker", "default", "logs").map((e) => e.batchId)).toEqual(["f-1"]);
  expect((await flusher.flush("action")).flatMap((f) => f.batchIds)).toEqual(["f-1"]);
  expect(buffer.rows).toBe(0);
});

test("an upload that landed although it failed is removed once storage takes a file again", async () => {
  const store = new FlakyStore(join(root, "store6"));
  const metrics = new MetricsRegistry();
  const buffer = new LiveBuffer();
  const flusher = new Flusher({
    buffer, wal, store, catalog, db: db.connection, scratchDir: join(root, "scratch"), log, metrics,
    intervalMs: 60_000, maxBufferRows: 1_000_000, isPrimary: () => true,
    quarantine: await Quarantine.open(join(root, "quarantine6"), log, metrics),
  });
  buffer.add({ batchId: "lost-answer", orgId: "landed", bucket: "default", table: "traces", shardId: 0, batch: makeGenericBatch("traces", { batchId: "lost-answer", rows: 3 }) });
  const parquetKeys = async () => (await store.list("landed/")).filter((b) => b.key.endsWith(".parquet")).map((b) => b.key);
  store.landThenFail = 1;
  expect(await flusher.flush("action")).toEqual([]);
  expect(await parquetKeys()).toHaveLength(1); // landed, unrecorded
  expect(await metrics.render()).toContain("signalbox_writer_upload_litter_files 1");
  const [file] = await flusher.flush("action");
  expect(await parquetKeys()).toEqual([file!.path]);
  expect(await metrics.render()).toContain("signalbox_writer_upload_litter_files 0");
});
