/**
 * Isolate failure per group: a batch no Parquet file can hold (a time past int64, written
 * straight into a writer's Flight DoPut, past the acceptor's checks) is quarantined — kept
 * durable, counted, logged once with its batch id, org and table, listed by the writer's
 * `quarantine` action — while every other org keeps flushing; no orphan file is left, it is
 * not retried in a loop, and a restart that replays its WAL record does not bring it back.
 * The router's client-facing Flight DoPut refuses such a batch outright.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tableFromIPC, type RecordBatch } from "apache-arrow";
import { FlightClient } from "../shared/flight/index.ts";
import { decodeExport } from "../shared/otlp/index.ts";
import type { TableName } from "../shared/tables/index.ts";
import type { ShardMapDocument } from "../shared/writepath/index.ts";
import { exportRequest, gaugeMetric, idBytes, logRecord, span } from "./helpers/otlp-wire.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const dir = tempDir("quarantine");
const storage = join(dir, "data");
const env = roleEnv({
  SIGNALBOX_STORAGE_PATH: storage,
  SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(dir, "catalog.db")}`,
  SIGNALBOX_WRITER_FLUSH_INTERVAL: "300ms",
});
let cluster: RoleProcess;

beforeAll(async () => {
  cluster = await startRoleProcess("monolith", env);
}, 60_000);
afterAll(async () => {
  await cluster?.kill();
});

const writer = () => new FlightClient(cluster.addresses["writer.flight"]!);
const now = () => BigInt(Date.now()) * 1_000_000n;
const GOOD: Record<TableName, () => Uint8Array> = {
  traces: () => exportRequest([span({ traceId: idBytes(16, Number(now() % 1000n)), spanId: idBytes(8, 3), start: now(), end: now() })]),
  logs: () => exportRequest([logRecord(now())]),
  metrics: () => exportRequest([gaugeMetric("good", now(), 1)]),
};

/** A valid batch of `table` whose first row's time is then set to -2^63 (what 2^63 wraps to). */
function poisonBatch(table: TableName, batchId: string): RecordBatch {
  const batch = decodeExport(table, GOOD[table](), "protobuf", batchId, { wireForm: true }).batch!;
  const column = table === "traces" ? "start_time_unix_nano" : "time_unix_nano";
  (batch.getChild(column)!.data[0]!.values as BigInt64Array)[0] = -(1n << 63n);
  return batch;
}

async function putPoison(table: TableName, batchId: string): Promise<void> {
  const map = (await writer().action("shard-map", {})) as ShardMapDocument;
  const descriptor = { kind: "write", org_id: "poisoner", bucket: "default", table, batch_id: batchId, shard_id: map.shards[0]!.shardId, epoch: map.epoch };
  expect(await writer().put(descriptor, [poisonBatch(table, batchId)])).toMatchObject({ durable: true });
}

async function ingest(org: string, table: TableName): Promise<void> {
  const response = await fetch(`http://${cluster.addresses["acceptor.http"]}/v1/${table}`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "x-scope-orgid": org },
    body: GOOD[table](),
  });
  expect(response.status).toBe(200);
}

async function count(org: string, table: TableName): Promise<number> {
  const response = await fetch(`http://${cluster.addresses["router.http"]}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-scope-orgid": org },
    body: JSON.stringify({ sql: `select count(*) from ${table}` }),
  });
  expect(response.status).toBe(200);
  return Number(((await response.json()) as { rows: number[][] }).rows[0]![0]);
}

/** Parquet files on disk under an org's folder. */
function parquetFiles(org: string): string[] {
  const root = join(storage, org);
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet"));
}

const events = (name: string, p = cluster) => p.lines.filter((l) => l.event === name);
const quarantined = async () => ((await writer().action("quarantine", {})) as { batches: Array<Record<string, unknown>> }).batches;

describe("a batch that cannot be flushed", () => {
  test("is quarantined while every other org keeps flushing", async () => {
    for (const table of ["traces", "logs", "metrics"] as const) await putPoison(table, `poison-${table}`);
    for (const table of ["traces", "logs", "metrics"] as const) {
      for (const org of ["acme", "globex", "poisoner"]) await ingest(org, table);
    }
    await writer().action("flush", {});
    for (const org of ["acme", "globex", "poisoner"]) {
      for (const table of ["traces", "logs", "metrics"] as const) expect(await count(org, table)).toBe(1);
    }
    expect(events("flush.group_failed")).toEqual([]);
    expect(events("flush.failed")).toEqual([]);

    const logged = events("flush.quarantined");
    expect(logged.map((l) => [l.batch_id, l.org, l.table]).sort()).toEqual([
      ["poison-logs", "poisoner", "logs"], ["poison-metrics", "poisoner", "metrics"], ["poison-traces", "poisoner", "traces"],
    ]);
    const listed = await quarantined();
    expect(listed.map((b) => b.batch_id).sort()).toEqual(["poison-logs", "poison-metrics", "poison-traces"]);
    expect(listed[0]).toMatchObject({ org_id: "poisoner", bucket: "default", rows: 1 });
    expect(String(listed[0]!.reason)).toContain("is negative (a time past int64, wrapped)");
    // Kept whole: the admin reads its rows from the Arrow file.
    const kept = tableFromIPC(await Bun.file(String(listed.find((b) => b.batch_id === "poison-traces")!.file)).bytes());
    expect(kept.getChild("start_time_unix_nano")!.get(0)).toBe(-(1n << 63n));

    const metrics = await (await fetch(`http://${cluster.addresses["writer.http"]}/metrics`)).text();
    expect(metrics).toContain("signalbox_writer_quarantined_batches 3");
    expect(metrics).toMatch(/signalbox_writer_quarantined_batches_total\{table="traces"\} 1/);
    // One file per table for each org's good rows (the poisoner's too), and nothing else.
    for (const org of ["acme", "globex", "poisoner"]) expect(parquetFiles(org)).toHaveLength(3);
  }, 60_000);

  test("is not retried: later flushes neither quarantine it again nor fail", async () => {
    await Bun.sleep(1_500); // several flush intervals
    await writer().action("flush", {});
    expect(events("flush.quarantined")).toHaveLength(3);
    expect(events("flush.group_failed")).toEqual([]);
    expect(((await writer().action("health", {})) as { live_rows: number; quarantined_batches: number })).toMatchObject({ live_rows: 0, quarantined_batches: 3 });
  });

  test("a restart replays the WAL without bringing it back", async () => {
    await cluster.kill();
    cluster = await startRoleProcess("monolith", env);
    // Quarantined batches are released from the WAL, and a WAL segment holding nothing live
    // is deleted at once: the restart finds none of them there to skip.
    const replay = events("wal.replay.done")[0]!;
    expect(replay.quarantined).toBe(0);
    await writer().action("flush", {});
    expect(events("flush.quarantined")).toEqual([]);
    expect((await quarantined()).map((b) => b.batch_id).sort()).toEqual(["poison-logs", "poison-metrics", "poison-traces"]);
    for (const table of ["traces", "logs", "metrics"] as const) expect(await count("acme", table)).toBe(1);
    expect(parquetFiles("poisoner")).toHaveLength(3);
    // A copy sent again (as a replica re-replicates what it holds) is acknowledged, not taken back in.
    await putPoison("traces", "poison-traces");
    await writer().action("flush", {});
    expect(events("flush.quarantined")).toEqual([]);
    expect(((await writer().action("health", {})) as { live_rows: number }).live_rows).toBe(0);
  }, 60_000);
});

test("the router's client-facing Flight DoPut refuses a time past int64", async () => {
  const router = new FlightClient(cluster.addresses["router.flight"]!);
  const batch = decodeExport("logs", GOOD.logs(), "protobuf", "via-router").batch!;
  (batch.getChild("time_unix_nano")!.data[0]!.values as BigInt64Array)[0] = -5n;
  let error: unknown;
  try {
    await router.put({ kind: "ingest", org_id: "acme", table: "logs" }, [batch]);
  } catch (err) {
    error = err;
  }
  expect(String(error)).toContain("time_unix_nano -5 is negative");
});
