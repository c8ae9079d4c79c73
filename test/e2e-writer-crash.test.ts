/**
 * Durability across crashes: spans stream in through the acceptor while the writer process
 * is killed with SIGKILL at random moments, ten times, and restarted. Afterwards every span
 * whose export was acknowledged is in storage exactly once — read back with DuckDB from the
 * Parquet files the manifest records (compaction may leave the files it merged in storage
 * for the delete grace, out of the manifest).
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { openCatalog } from "../shared/catalog/index.ts";
import { openDuckDB, quoteLiteral } from "../shared/duckdb/index.ts";
import { FlightClient } from "../shared/flight/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { randomTracePayload } from "./helpers/otlp-json.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const KILLS = 10;
const dir = tempDir("writer-crash");
const storage = join(dir, "data");
const env = roleEnv({
  SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(dir, "catalog.db")}`,
  SIGNALBOX_STORAGE_PATH: storage,
  SIGNALBOX_WRITE_TIMEOUT: "1s",
  // Flushes happen between crashes too, so recovery meets both WAL-only and persisted batches.
  SIGNALBOX_WRITER_FLUSH_INTERVAL: "400ms",
});
let writer: RoleProcess;
let acceptor: RoleProcess;

beforeAll(async () => {
  writer = await startRoleProcess("writer", env);
  acceptor = await startRoleProcess("acceptor", env);
}, 30_000);

afterAll(async () => {
  writer?.proc.kill("SIGKILL");
  acceptor?.proc.kill("SIGKILL");
});

test(`every acknowledged span survives ${KILLS} kill -9s of the writer, stored exactly once`, async () => {
  const acked = new Set<string>();
  let answered = 0;
  let stop = false;
  const senders = Array.from({ length: 3 }, async () => {
    while (!stop) {
      const { body, spanIds } = randomTracePayload(25);
      const response = await fetch(`http://${acceptor.addresses.http}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).catch(() => undefined);
      await response?.arrayBuffer();
      answered++;
      if (response?.status === 200) for (const id of spanIds) acked.add(id);
      else await Bun.sleep(20);
    }
  });
  for (let kill = 0; kill < KILLS; kill++) {
    await Bun.sleep(150 + Math.random() * 350);
    await writer.kill();
    writer = await startRoleProcess("writer", env);
  }
  await Bun.sleep(300);
  stop = true;
  await Promise.all(senders);
  expect(acked.size).toBeGreaterThan(0);

  await new FlightClient(writer.addresses.flight!).action("flush", {});
  const catalog = await openCatalog(`sqlite:${join(dir, "catalog.db")}`, { log: createLogger({ level: "error", sink: () => {} }) });
  const recorded = (await catalog.listDataFiles({ orgId: "default", bucket: "default", table: "traces" })).map((f) => join(storage, f.path));
  await catalog.close();
  const duck = await openDuckDB();
  try {
    const reader = await duck.connection.runAndReadAll(
      `SELECT span_id, count(*)::INTEGER AS n FROM read_parquet([${recorded.map(quoteLiteral).join(", ")}], hive_partitioning = false) GROUP BY span_id`,
    );
    const stored = new Map<string, number>();
    for (const [id, n] of reader.getRows()) stored.set(String(id), Number(n));
    const missing = [...acked].filter((id) => !stored.has(id));
    const duplicated = [...stored].filter(([, n]) => n > 1).map(([id]) => id);
    expect({ acked: acked.size > 0, missing: missing.length, duplicated: duplicated.length }).toEqual({ acked: true, missing: 0, duplicated: 0 });
    console.log(`writer crash test: ${KILLS} kills, ${answered} exports, ${acked.size} acknowledged spans, ${stored.size} stored`);
  } finally {
    duck.close();
  }
}, 120_000);
