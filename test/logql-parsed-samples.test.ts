/**
 * `| logfmt` metric queries grouped in DuckDB (services/querier/engine/loki/log-samples.ts)
 * answer exactly what the evaluator's pipeline answers on every entry: the same queries run
 * with the querier's `selectSamples` and without it (the evaluator then reads entries with
 * `select`), over lines that SQL decides and lines it must leave to the pipeline — quoted
 * values, escapes, empty and repeated keys, keys that collide with stream labels and metadata,
 * durations SQL cannot convert, bodies that are not strings. With the querier's sample cache
 * (log-sample-cache.ts) the answers stay the same whatever ranges came before: over several
 * files, samples on window edges, rows without a time. Files written by the writer's flush
 * name the services whose lines are all plain logfmt (shared/loki/plain-logfmt.ts), and the
 * querier skips its per-row test on those rows: the answers stay the same there too.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Table } from "apache-arrow";
import { LOGQL_COLUMNS, parseTicket, type TicketInput } from "../shared/query/index.ts";
import { QueryEngine, type QuerySources } from "../services/querier/engine/index.ts";
import { DuckDBLogSource } from "../services/querier/engine/loki/log-source.ts";
import type { LogSampleAnswer } from "../shared/query/logql/index.ts";
import { logsSchema } from "../shared/tables/index.ts";
import { LogSampleCache } from "../services/querier/engine/loki/log-sample-cache.ts";
import { batchOf, logRow, tempDir, writeParquet, type LogSpec } from "./helpers/query-fixtures.ts";
import { openDuckDB, quoteLiteral } from "../shared/duckdb/index.ts";
import { isPlainLogfmtBody, PLAIN_LOGFMT_SERVICES_KEY } from "../shared/loki/index.ts";
import { writeParquet as flushParquet } from "../services/writer/parquet/index.ts";
import { join } from "node:path";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";
import { quietLog } from "./helpers/query-engine.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_700_000_000_000_000_000n;
const S = 1_000_000_000n;
let engine: QueryEngine;
/** An engine keeping samples between queries. */
let caching: QueryEngine;
let sources: QuerySources;
/** The same rows in files as the writer's flush writes them (footers naming the plain logfmt services). */
let flushed: QuerySources;
let cleanup: () => void;

/** Lines SQL decides, and lines it must not (each leaves the plain logfmt form some way). */
const LINES = [
  "level=info latency=5ms size=10 k8s_pod_name=p1",
  "level=warn latency=250us size=7",
  "level=warn latency=5µs size=7",
  "level=debug latency=6μs size=7",
  'level="error" latency=12ms size=3 msg="request failed"',
  "level= level=debug latency=3h size=1",
  "xlevel=bad level=info latency=40ms size=2",
  "level=ünï latency=9ms size=5",
  "level latency=7ms size=4 k8s_pod_name=p2",
  "level=info size=8",
  'msg="a level=x" level=error latency=2ms size=6',
  'msg="say \\"hi\\"" level=debug latency=3ms size=9',
  "level=info latency=1.5s size=11",
  "level=info latency=0ms size=12",
  "level=info\tlatency=8ms size=13",
  'garbage "x level=warn latency=4ms',
  "1level=x level=warn latency=6ms size=14",
  "lévél=1 level=info latency=12ms size=15",
  "level=info latency=999999999999h size=16",
  "level=warn latency=20ms size=017",
  "level=info latency=5ms size=1e3",
  // The key a line begins with, an empty value before the key's next pair, a quoted duration,
  // the key as the line's last pair, no `level` at all (counted as level="").
  "latency=8ms level=warn size=3",
  "level=info latency= size=2 latency=7ms",
  'level=info latency="15ms" size=4',
  "size=5 level=error latency=11ms",
  'latency="2ms" level="warn"',
  "size=6 latency=4ms",
  // For the value read by one short search (log-samples.ts `quickExtractSql`): several units, more
  // digits than SQL converts, a longer key ending in the key, spaces before the first pair, the
  // key beginning the line with no value, a number too long to convert.
  "level=info latency=1m30s size=18",
  "level=info latency=1234567890123ns size=19",
  "xlatency=9ms level=info latency=3ms size=20",
  "  latency=6ms level=warn size=21",
  "latency= level=info latency=5ms size=22",
  "latency=8ms level=warn latency=3ms size=23",
  "level=info latency=2ms size=1234567890123456",
];

beforeAll(async () => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  const rows: LogSpec[] = [];
  let i = 0;
  const add = (spec: Omit<LogSpec, "timeNs">) => rows.push({ ...spec, timeNs: T0 + BigInt(i++) * 7n * S });
  for (let round = 0; round < 3; round++) {
    for (const line of LINES) {
      add({ body: line, service: "api", resourceAttributes: { "k8s.pod.name": `api-${round % 2}` }, severityText: "INFO", severityNumber: 9 });
      // A log attribute named like a parsed key: the parsed one is `level_extracted`.
      add({ body: line, service: "web", attributes: round === 1 ? { level: "attr", "http.route": "/x" } : { "http.route": "/y" } });
      // Attribute values (not keys) holding parsed keys' names: SQL still decides these rows.
      if (round === 2) add({ body: line, service: "web", attributes: { "http.route": "/level", note: "latency error details service" } });
      // Resource metadata named like a parsed key, for every row of the context.
      add({ body: line, service: "db", resourceAttributes: { latency: "slow", "host.name": "h" } });
      // A service of plain logfmt lines only, but for one line in the middle file.
      const plainLine = isPlainLogfmtBody(new TextEncoder().encode(JSON.stringify({ stringValue: line })), 0, JSON.stringify({ stringValue: line }).length);
      if (plainLine || (round === 1 && line.startsWith("level=ünï"))) add({ body: line, service: "pay", resourceAttributes: { "k8s.pod.name": `pay-${round % 2}` } });
    }
    add({ body: { kvlistValue: { values: [{ key: "level", value: { stringValue: "info" } }] } }, service: "api" });
  }
  // Samples on window edges (steps are 30 s apart from T0).
  for (const edge of [60n, 90n, 120n, 300n, 330n]) rows.push({ body: LINES[0]!, service: "api", timeNs: T0 + edge * S });
  // Three files by time; rows without a time (their Loki time is the observed time) in the second.
  const cuts = [T0 + 300n * S, T0 + 800n * S];
  const records = rows.map(logRow);
  for (const [i, line] of ["level=warn latency=3ms size=1", "level=info latency=7ms size=2"].entries()) {
    records.push({ ...logRow({ body: line, service: "api", timeNs: 0n }), observed_time_unix_nano: T0 + (400n + BigInt(i) * 30n) * S });
  }
  const lokiTime = (r: Record<string, unknown>) => ((r.time_unix_nano as bigint) !== 0n ? r.time_unix_nano : r.observed_time_unix_nano) as bigint;
  const parts = [records.filter((r) => lokiTime(r) < cuts[0]!), records.filter((r) => lokiTime(r) >= cuts[0]! && lokiTime(r) < cuts[1]!), records.filter((r) => lokiTime(r) >= cuts[1]!)];
  const files = await Promise.all(parts.map((part) => writeParquet(tmp.dir, "logs", [batchOf(logsSchema, part)])));
  sources = { files, live: [] };
  const db = await openDuckDB();
  try {
    const written: string[] = [];
    for (const [i, part] of parts.entries()) {
      const destPath = join(tmp.dir, `flushed-${i}.parquet`);
      await flushParquet({ db: db.connection, table: "logs", batches: [batchOf(logsSchema, part)], destPath, metadata: {} });
      written.push(destPath);
    }
    flushed = { files: written, live: [batchOf(logsSchema, [logRow({ body: "level=info latency=2ms", service: "pay", timeNs: T0 + 1500n * S })])] };
  } finally {
    db.close();
  }
  engine = await QueryEngine.open({ log: quietLog() });
  caching = await QueryEngine.open({ log: quietLog(), logSampleCacheBytes: 64 * 2 ** 20 });
});

afterAll(async () => {
  await engine.close();
  await caching.close();
  cleanup();
});

async function run(query: string, on = engine, fromS = 0n, toS = 600n, from = sources): Promise<unknown> {
  try {
    const table: Table = await on.execute(
      parseTicket({
        org: "a", bucket: "b", kind: "logql", query, startNs: String(T0 + fromS * S), endNs: String(T0 + toS * S),
        evalStartNs: String(T0 + fromS * S), evalEndNs: String(T0 + toS * S), stepNs: String(30n * S),
      } as TicketInput),
      from,
    );
    return JSON.parse(String(table.getChild(LOGQL_COLUMNS.result)!.get(0)));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The answer with the source's grouping, how many samples SQL grouped, and the answer without it. */
async function both(query: string, from = sources, toS = 600n): Promise<{ grouped: unknown; sqlSamples: number; plain: unknown }> {
  const original = DuckDBLogSource.prototype.selectSamples;
  let sqlSamples = 0;
  DuckDBLogSource.prototype.selectSamples = async function (this: DuckDBLogSource, ...args) {
    const answer: LogSampleAnswer | undefined = await original.apply(this, args);
    for (const g of answer?.groups ?? []) sqlSamples += g.offsetsNs.length;
    return answer;
  };
  try {
    const grouped = await run(query, engine, 0n, toS, from);
    (DuckDBLogSource.prototype as { selectSamples?: unknown }).selectSamples = undefined;
    return { grouped, sqlSamples, plain: await run(query, engine, 0n, toS, from) };
  } finally {
    DuckDBLogSource.prototype.selectSamples = original;
  }
}

describe("logfmt metric queries grouped in SQL", () => {
  test.each([
    'sum by (level) (count_over_time({service_name=~"api|web|db"} | logfmt [1m]))',
    'sum by (level, level_extracted, service_name) (count_over_time({service_name=~"api|web|db"} | logfmt [1m]))',
    'sum by (k8s_pod_name, k8s_pod_name_extracted) (rate({service_name="api"} | logfmt [2m]))',
    'sum by (level) (count_over_time({service_name="api"} |= "latency" != "size=1" | logfmt [1m]))',
    'quantile_over_time(0.9, {service_name=~"api|web"} | logfmt | unwrap duration(latency) [5m]) by (service_name)',
    'sum by (level) (sum_over_time({service_name=~"api|web"} | logfmt | unwrap size [1m]))',
    'max_over_time({service_name="db"} | logfmt | unwrap duration_seconds(latency_extracted) [2m]) by (level)',
    'sum by (level) (count_over_time({service_name="api", k8s_pod_name="api-0"} | logfmt [1m]))',
  ])("%s", async (query) => {
    const { grouped, sqlSamples, plain } = await both(query);
    expect(grouped).toEqual(plain);
    expect(Array.isArray(grouped) && grouped.length > 0).toBe(true);
    if (!query.includes('"db"')) expect(sqlSamples).toBeGreaterThan(0);
  });

  test("an unwrapped value no conversion accepts fails the query the same way", async () => {
    const { grouped, plain } = await both('max_over_time({service_name=~"api|db"} | logfmt | unwrap duration(latency) [1m]) by (level)');
    expect(grouped).toEqual(plain);
    expect((grouped as { error: string }).error).toContain("SampleExtractionErr");
  });
});

describe("files whose footers name their plain logfmt services", () => {
  test("the flush names the services whose every line is plain logfmt", async () => {
    const db = await openDuckDB();
    try {
      const reader = await db.connection.runAndReadAll(
        `SELECT decode(value) FROM parquet_kv_metadata([${flushed.files.map(quoteLiteral).join(", ")}]) WHERE decode(key) = ${quoteLiteral(PLAIN_LOGFMT_SERVICES_KEY)} ORDER BY file_name`,
      );
      // The middle file holds pay's one line that is not plain.
      expect(reader.getRows().map((r) => r[0])).toEqual(['["pay"]', '["pay"]']);
    } finally {
      db.close();
    }
  });

  test.each([
    'sum by (level) (count_over_time({service_name="pay"} | logfmt [1m]))',
    'quantile_over_time(0.9, {service_name="pay"} | logfmt | unwrap duration(latency) [5m]) by (k8s_pod_name)',
    'sum by (level) (count_over_time({service_name=~"api|pay"} |= "latency" | logfmt [1m]))',
    'sum by (level) (sum_over_time({service_name="pay", k8s_pod_name="pay-1"} | logfmt | unwrap size [1m]))',
  ])("%s answers as the pipeline does", async (query) => {
    const original = DuckDBLogSource.prototype.sampleViews;
    let vouched = 0;
    DuckDBLogSource.prototype.sampleViews = async function (this: DuckDBLogSource, ...args) {
      vouched += args[0].size;
      return original.apply(this, args);
    };
    try {
      const { grouped, sqlSamples, plain } = await both(query, flushed, 2000n);
      expect(grouped).toEqual(plain);
      expect(Array.isArray(grouped) && grouped.length > 0).toBe(true);
      expect(sqlSamples).toBeGreaterThan(0);
    } finally {
      DuckDBLogSource.prototype.sampleViews = original;
    }
    if (!query.includes("api")) expect(vouched).toBeGreaterThan(0);
  });

  test("kept between queries, the answers stay the same", async () => {
    const query = 'quantile_over_time(0.99, {service_name="pay"} | logfmt | unwrap duration(latency) [5m]) by (service_name)';
    for (const [from, to] of [[0n, 2000n], [300n, 2000n], [0n, 2000n]] as const) {
      expect(await run(query, caching, from, to, flushed)).toEqual(await run(query, engine, from, to, flushed));
    }
  });
});

describe("samples kept between queries", () => {
  /** Ranges (seconds after T0) covering all, some or none of the files whole, in an order that reuses kept files. */
  const RANGES: Array<[bigint, bigint]> = [[300n, 2000n], [0n, 2000n], [0n, 600n], [330n, 1500n], [0n, 2000n], [60n, 900n]];

  test.each([
    'sum by (level) (count_over_time({service_name=~"api|web|db"} | logfmt [1m]))',
    'sum by (level) (rate({service_name="api"} |= "latency" | logfmt [30s]))',
    'quantile_over_time(0.99, {service_name=~"api|web"} | logfmt | unwrap duration(latency) [5m]) by (service_name)',
    'sum by (level) (count_over_time({service_name="api", k8s_pod_name="api-1"} | logfmt [1m]))',
  ])("%s answers as without them", async (query) => {
    const originalGet = LogSampleCache.prototype.get;
    let hits = 0;
    LogSampleCache.prototype.get = function (this: LogSampleCache, ...args) {
      const found = originalGet.apply(this, args);
      if (found) hits++;
      return found;
    };
    try {
      for (const [from, to] of RANGES) {
        const kept = await run(query, caching, from, to);
        const plain = await run(query, engine, from, to);
        expect(kept).toEqual(plain);
        expect(Array.isArray(kept)).toBe(true);
      }
    } finally {
      LogSampleCache.prototype.get = originalGet;
    }
    expect(hits).toBeGreaterThan(0);
  });

  test("the budget drops the least recently used files", () => {
    const cache = new LogSampleCache(3500);
    const samples = () => ({ groups: [{ labels: {}, originNs: 0n, offsetsNs: new Float64Array(100) }], restRows: 0, linesRead: 100, bytesRead: 1000 });
    cache.set("a", "q", samples());
    cache.set("b", "q", samples());
    expect(cache.get("a", "q")).toBeDefined();
    cache.set("c", "q", samples());
    expect(cache.get("b", "q")).toBeUndefined();
    expect(cache.get("a", "q")).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(3500);
    expect(new LogSampleCache(0).enabled).toBe(false);
  });
});
