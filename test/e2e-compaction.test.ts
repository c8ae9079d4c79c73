/**
 * Compaction end to end, through the query APIs of a real process: hours of ingest
 * (timestamps shifted, a flush after every request) compacted while it arrives and while
 * trace-by-id and search queries run, ends with one file per partition and every
 * acknowledged span, log record and metric point returned exactly once.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { openCatalog, type CatalogRepository } from "../shared/catalog/index.ts";
import { FlightClient } from "../shared/flight/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { logsRequest, metricsRequest, postOtlp, traceIdOf, tracesRequest } from "./helpers/otlp-shifted.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const HOURS = 6;
const FLUSHES = 30; // per table; bench/compaction.ts runs the full-size simulation
const SPANS = 5;
const RECORDS = 4;
const POINTS = 3;
const HOUR_NS = 3_600_000_000_000n;
const SERVICE = "compaction-e2e";

const dir = tempDir("compaction");
let cluster: RoleProcess;
let router: string;
let catalog: CatalogRepository;
let startNs: bigint;
const acknowledged: number[] = [];
const failures: string[] = [];

async function json(path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://${router}${path}`, init);
  return { status: response.status, body: await response.json() };
}

const sql = async (query: string) =>
  (await json("/api/v1/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: query }) })).body.rows;

async function spansOfTrace(request: number): Promise<number> {
  const { status, body } = await json(`/api/v2/traces/${traceIdOf(request)}`);
  if (status !== 200) return -status;
  return body.trace.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)).length;
}

async function searchedTraces(): Promise<string[]> {
  const s = Number(startNs / 1_000_000_000n) - 60;
  const e = s + (HOURS + 1) * 3600 + 120;
  const { body } = await json(`/api/search?tags=service.name%3D${SERVICE}&limit=10000&start=${s}&end=${e}`);
  return (body.traces as Array<{ traceID: string }>).map((t) => t.traceID);
}

/** Queries that run while files are compacted away under them: every answer must be whole. */
async function queryWhileCompacting(stop: () => boolean): Promise<number> {
  let checked = 0;
  while (!stop()) {
    const known = acknowledged.length;
    if (known === 0) {
      await Bun.sleep(20);
      continue;
    }
    const request = acknowledged[Math.floor(Math.random() * known)]!;
    const spans = await spansOfTrace(request);
    if (spans !== SPANS) failures.push(`trace ${request}: ${spans} spans`);
    const found = await searchedTraces();
    if (new Set(found).size !== found.length) failures.push(`search listed a trace twice`);
    if (found.length < known) failures.push(`search found ${found.length} of ${known} acknowledged traces`);
    checked++;
    await Bun.sleep(100);
  }
  return checked;
}

beforeAll(async () => {
  const dsn = `sqlite:${join(dir, "catalog.db")}`;
  cluster = await startRoleProcess(
    "monolith",
    roleEnv({
      SIGNALBOX_STORAGE_PATH: join(dir, "data"),
      SIGNALBOX_DISCOVERY_CATALOG_DSN: dsn,
      SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h",
      SIGNALBOX_COMPACTION_INTERVAL: "500ms",
      SIGNALBOX_COMPACTION_MIN_FILES: "2",
      SIGNALBOX_COMPACTION_DELETE_GRACE: "5s", // above any one query here, even on a loaded machine
    }),
  );
  router = cluster.addresses["router.http"]!;
  catalog = await openCatalog(dsn, { log: createLogger({ level: "error", sink: () => {} }) });
  startNs = (BigInt(Date.now()) * 1_000_000n) - BigInt(HOURS) * HOUR_NS;
}, 30_000);

afterAll(async () => {
  await cluster?.kill();
  await catalog?.close();
});

test("hours of small flushes compact to one file per partition; every row is returned exactly once, also while compacting", async () => {
  const acceptor = cluster.addresses["acceptor.http"]!;
  const writer = new FlightClient(cluster.addresses["writer.flight"]!);
  let ingesting = true;
  const queries = queryWhileCompacting(() => !ingesting);
  for (let k = 0; k < FLUSHES; k++) {
    const at = startNs + (BigInt(k) * BigInt(HOURS) * HOUR_NS) / BigInt(FLUSHES);
    await Promise.all([
      postOtlp(acceptor, "traces", tracesRequest(k, SPANS, at, SERVICE)),
      postOtlp(acceptor, "logs", logsRequest(k, RECORDS, at, SERVICE)),
      postOtlp(acceptor, "metrics", metricsRequest(k, POINTS, at, SERVICE)),
    ]);
    await writer.action("flush", {});
    acknowledged.push(k);
  }
  // Let compaction catch up with the last flushes while queries keep running.
  const scope = (table: string) => ({ orgId: "default", bucket: "default", table });
  const onePerPartition = async (table: string) => {
    const files = await catalog.listDataFiles(scope(table));
    return files.length === new Set(files.map((f) => f.path.slice(0, f.path.lastIndexOf("/")))).size;
  };
  for (let waited = 0; waited < 30_000; waited += 250) {
    if ((await Promise.all(["traces", "logs", "metrics"].map(onePerPartition))).every(Boolean)) break;
    await Bun.sleep(250);
  }
  ingesting = false;
  const checked = await queries;
  writer.close();
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThan(0);

  for (const table of ["traces", "logs", "metrics"]) {
    const files = await catalog.listDataFiles(scope(table));
    // One per hour folder the rows fall in (the first and last hour may be split by the clock).
    const partitions = new Set(files.map((f) => f.path.slice(0, f.path.lastIndexOf("/"))));
    expect(files.length).toBe(partitions.size);
    expect(files.length).toBeLessThanOrEqual(HOURS + 1);
  }

  expect(await sql("SELECT count(*), count(DISTINCT span_id) FROM traces")).toEqual([[FLUSHES * SPANS, FLUSHES * SPANS]]);
  expect(await sql("SELECT count(*), count(DISTINCT body) FROM logs")).toEqual([[FLUSHES * RECORDS, FLUSHES * RECORDS]]);
  expect(await sql("SELECT count(*), count(DISTINCT (value_double, time_unix_nano)) FROM metrics")).toEqual([[FLUSHES * POINTS, FLUSHES * POINTS]]);
  for (const k of [0, 17, FLUSHES - 1]) expect(await spansOfTrace(k)).toBe(SPANS);
  expect((await searchedTraces()).length).toBe(FLUSHES);
  const loki = await json(
    `/loki/api/v1/query_range?query=${encodeURIComponent(`{service_name="${SERVICE}"}`)}&limit=5000&start=${startNs - HOUR_NS}&end=${startNs + BigInt(HOURS + 1) * HOUR_NS}`,
  );
  const lines = (loki.body.data.result as Array<{ values: unknown[] }>).reduce((n, s) => n + s.values.length, 0);
  expect(lines).toBe(FLUSHES * RECORDS);
}, 120_000);
