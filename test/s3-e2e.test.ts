/**
 * storage.url = s3://…: writer and querier in separate processes with separate storage
 * folders, sharing nothing but the S3 server, the PostgreSQL catalog and NATS. A trace goes
 * in through the acceptor, is flushed to S3, and read back through the router — the querier
 * fetching the file into its cache (cold), then serving it from there (warm). Then S3 goes
 * away for 10 s during ingest: no acknowledged span is lost (the WAL holds them; the writer
 * retries and catches up). Finally the manifest is rebuilt from S3 alone.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openCatalog } from "../shared/catalog/index.ts";
import { openDuckDB } from "../shared/duckdb/index.ts";
import { FlightClient } from "../shared/flight/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { S3BlobStore } from "../shared/storage/index.ts";
import { rebuildManifest } from "../services/writer/manifest-rebuild.ts";
import { createFreshPgDatabase, type FreshPgDatabase } from "./helpers/catalog-pg.ts";
import { canonicalTrace } from "./helpers/otlp-compare.ts";
import { randomTracePayload } from "./helpers/otlp-json.ts";
import { sendTrace } from "./helpers/otel-trace.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { startFaultyProxy, type FaultyProxy } from "./helpers/s3-faulty-proxy.ts";
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from "./helpers/s3-server.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const OUTAGE_MS = 10_000;
const PREFIX = `e2e-${crypto.randomUUID().slice(0, 8)}`;
const roles: Record<string, RoleProcess> = {};
let s3: TestS3Server;
let proxy: FaultyProxy;
let db: FreshPgDatabase;
let store: S3BlobStore;

/** Each role gets its own folder: the only thing they share is reachable over the network. */
function envFor(role: string, shared: Record<string, string>): Record<string, string> {
  const own = tempDir(`s3e2e-${role}`);
  return roleEnv({
    ...shared,
    SIGNALBOX_STORAGE_PATH: join(own, "data"),
    SIGNALBOX_QUERIER_CACHE_PATH: join(own, "cache"),
  });
}

const metricValue = async (http: string, name: string, labels: string): Promise<number> => {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : 0;
};

const getTrace = async (traceId: string) => {
  const response = await fetch(`http://${roles.router!.addresses.http}/api/v2/traces/${traceId}`);
  return { status: response.status, body: (await response.json()) as { trace?: { resourceSpans: Array<Record<string, any>> } } };
};

/** Every span id in the traces Parquet files under the test's S3 prefix, with its count. */
async function spanIdsInS3(): Promise<Map<string, number>> {
  const local = tempDir("s3e2e-verify");
  const blobs = (await store.list("")).filter((b) => b.key.endsWith(".parquet") && b.key.includes("/traces/"));
  const paths: string[] = [];
  for (const [i, blob] of blobs.entries()) {
    const path = join(local, `${i}.parquet`);
    await store.download(blob.key, path);
    paths.push(path);
  }
  const counts = new Map<string, number>();
  if (paths.length === 0) return counts;
  const duck = await openDuckDB();
  try {
    const list = paths.map((p) => `'${p}'`).join(", ");
    const reader = await duck.connection.runAndReadAll(`SELECT span_id, count(*)::INTEGER FROM read_parquet([${list}]) GROUP BY span_id`);
    for (const [id, n] of reader.getRows()) counts.set(String(id), Number(n));
  } finally {
    duck.close();
  }
  return counts;
}

beforeAll(async () => {
  s3 = await startS3Server();
  proxy = startFaultyProxy(s3.port);
  store = new S3BlobStore({ bucket: s3.bucket, prefix: PREFIX, endpoint: s3.endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS });
  db = await createFreshPgDatabase("sb_s3e2e");
  const shared = {
    ...s3.roleEnv(PREFIX, `http://127.0.0.1:${proxy.port}`),
    SIGNALBOX_DISCOVERY_CATALOG_DSN: db.dsn,
    SIGNALBOX_DISCOVERY_NATS_URL: process.env.SIGNALBOX_TEST_NATS ?? "nats://127.0.0.1:4222",
    SIGNALBOX_DISCOVERY_NATS_KV_BUCKET: `sb_s3e2e_${crypto.randomUUID().slice(0, 8)}`,
    SIGNALBOX_WRITER_FLUSH_INTERVAL: "1s",
    // The bucket's objects are counted directly: no compaction may leave merged inputs there.
    SIGNALBOX_COMPACTION_INTERVAL: "1h",
    SIGNALBOX_WRITE_TIMEOUT: "2s",
  };
  roles.writer = await startRoleProcess("writer", envFor("writer", shared));
  roles.querier = await startRoleProcess("querier", envFor("querier", shared));
  roles.router = await startRoleProcess("router", envFor("router", shared));
  roles.acceptor = await startRoleProcess("acceptor", envFor("acceptor", shared));
}, 60_000);

afterAll(async () => {
  for (const role of Object.values(roles)) await role.kill();
  proxy?.close();
  await s3?.dispose();
  await db?.drop();
});

describe("storage.url = s3://", () => {
  test("write → flush to S3 → query: cold fetch into the querier's cache, then warm", async () => {
    const sent = await sendTrace(roles.acceptor!.addresses.http!);
    // The periodic flush (every 1 s here) may already have written it; the action makes sure.
    await new FlightClient(roles.writer!.addresses.flight!).action("flush", {});
    expect((await store.list("")).some((b) => b.key.includes("/traces/"))).toBe(true);

    const querierHttp = roles.querier!.addresses.http!;
    const cold = await getTrace(sent.traceId);
    expect(cold.status).toBe(200);
    expect(canonicalTrace(cold.body.trace!)).toEqual(canonicalTrace(sent.sent));
    const missesAfterCold = await metricValue(querierHttp, "signalbox_querier_cache_misses_total", 'kind="file"');
    expect(missesAfterCold).toBeGreaterThanOrEqual(1);

    const warm = await getTrace(sent.traceId);
    expect(canonicalTrace(warm.body.trace!)).toEqual(canonicalTrace(sent.sent));
    expect(await metricValue(querierHttp, "signalbox_querier_cache_misses_total", 'kind="file"')).toBe(missesAfterCold);
    expect(await metricValue(querierHttp, "signalbox_querier_cache_hits_total", 'kind="file"')).toBeGreaterThanOrEqual(1);
  }, 30_000);

  test(`S3 unreachable for ${OUTAGE_MS / 1000} s during ingest: every acknowledged span reaches S3 exactly once`, async () => {
    const acked = new Set<string>();
    let stop = false;
    let failedExports = 0;
    const senders = Array.from({ length: 2 }, async () => {
      while (!stop) {
        const { body, spanIds } = randomTracePayload(20);
        const response = await fetch(`http://${roles.acceptor!.addresses.http}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }).catch(() => undefined);
        await response?.arrayBuffer();
        if (response?.status === 200) for (const id of spanIds) acked.add(id);
        else failedExports++;
        await Bun.sleep(50);
      }
    });
    await Bun.sleep(1_500);
    proxy.failAfterBytes(0);
    const ackedBeforeOutage = acked.size;
    await Bun.sleep(OUTAGE_MS);
    const ackedDuringOutage = acked.size - ackedBeforeOutage;
    proxy.restore();
    await Bun.sleep(1_000);
    stop = true;
    await Promise.all(senders);
    // Ingest never depended on S3; the writer did meet the outage (and retried).
    expect(roles.writer!.lines.some((l) => l.event === "storage.retry")).toBe(true);
    expect(ackedDuringOutage).toBeGreaterThan(0);
    expect(failedExports).toBe(0);
    // The writer catches up: its periodic flushes retry until the buffer is empty.
    const writerHttp = roles.writer!.addresses.http!;
    const deadline = Date.now() + 20_000;
    while ((await metricValue(writerHttp, "signalbox_writer_live_rows", "")) > 0 && Date.now() < deadline) await Bun.sleep(250);
    await new FlightClient(roles.writer!.addresses.flight!).action("flush", {});
    const stored = await spanIdsInS3();
    const missing = [...acked].filter((id) => !stored.has(id));
    const duplicated = [...stored].filter(([, n]) => n > 1);
    expect({ acked: acked.size > 0, missing: missing.length, duplicated: duplicated.length }).toEqual({ acked: true, missing: 0, duplicated: 0 });
    console.log(`s3 outage test: ${acked.size} acknowledged spans (${ackedDuringOutage} during the outage), all in S3`);
  }, 60_000);

  test("an empty catalog is rebuilt from the S3 objects' footers alone", async () => {
    const log = createLogger({ level: "warn", bindings: { role: "test" } });
    const catalog = await openCatalog("sqlite::memory:", { log });
    const scratch = tempDir("s3e2e-rebuild");
    mkdirSync(join(scratch, ".scratch"), { recursive: true });
    const duck = await openDuckDB();
    try {
      const recorded = await rebuildManifest({ root: scratch, store, catalog, db: duck.connection, log });
      const objects = (await store.list("")).filter((b) => b.key.endsWith(".parquet"));
      expect(recorded).toBe(objects.length);
      const files = await catalog.listDataFiles({ orgId: "default", bucket: "default", table: "traces" });
      expect(files.reduce((n, f) => n + f.rows, 0)).toBe([...(await spanIdsInS3()).values()].reduce((a, b) => a + b, 0));
    } finally {
      duck.close();
      await catalog.close();
    }
  }, 30_000);
});
