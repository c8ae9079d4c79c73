/**
 * A compacted span file stores a span's end only where start + duration does not give it
 * (shared/tables/derived-columns.ts): every span must still come back identical, through the
 * point reader (trace by id over a large file) and through DuckDB (SQL over files), from new
 * files, from files written before (every end stored), and after compacting both together.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import type { DataFile } from "../shared/catalog/index.ts";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../shared/duckdb/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { parseTicket } from "../shared/query/index.ts";
import { QueryEngine } from "../services/querier/engine/index.ts";
import { compactedOrderSql, mergeParquet, type MergeInput } from "../services/writer/compaction/merge.ts";
import { footerMetadata, writeParquet as flushParquet } from "../services/writer/parquet/index.ts";
import { spansBatch, tempDir, writeParquet, type SpanSpec } from "./helpers/query-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const TRACES = 1_500;
const SPANS_PER_TRACE = 3;
const tid = (n: number) => (Math.imul(n ^ 0x9e3779b9, 0x85ebca6b) >>> 0).toString(16).padStart(8, "0").repeat(4);
const sid = (n: number) => n.toString(16).padStart(16, "0");
/** A span whose stored end disagrees with start + duration (no decoder makes one; a file may still hold it). */
const ODD_SPAN = sid(7);

const tmp = tempDir("sbx-derived-end-");
let db: DuckDBHandle;
let engine: QueryEngine;
/** Flushed (every end stored), and compacted from it by this code. */
let flushed = "";
let compacted = "";
/** Compacted as before: every end stored. */
let oldCompacted = "";
/** Flushed by the writer as it is now (fields at their default left out), and compacted from it. */
let newFlushed = "";
let newCompacted = "";

const input = (localPath: string, rows: number, batchIds: string[]): MergeInput => ({
  localPath,
  file: {
    path: localPath, orgId: "acme", bucket: "default", table: "traces", shardId: 1, rows, bytes: 0, batchIds, createdAt: 0,
    minTime: String(T0), maxTime: String(T0 + BigInt(TRACES) * 1_000_000_000n),
  } satisfies DataFile,
});

beforeAll(async () => {
  db = await openDuckDB();
  engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
  const spans: SpanSpec[] = [];
  for (let t = 0; t < TRACES; t++) {
    for (let s = 0; s < SPANS_PER_TRACE; s++) {
      const n = t * SPANS_PER_TRACE + s;
      spans.push({
        traceId: tid(t), spanId: sid(n + 1), parentSpanId: s === 0 ? "" : sid(t * SPANS_PER_TRACE + 1), name: `op ${s}`,
        startNs: T0 + BigInt(t) * 1_000_000_000n + BigInt(s) * 1_000n, durationNs: BigInt(1_000 + n), service: "api",
      });
    }
  }
  const written = await writeParquet(tmp.dir, "traces", [spansBatch(spans)]);
  flushed = join(tmp.dir, "flushed.parquet");
  await db.connection.run(
    `COPY (SELECT * REPLACE (CASE WHEN span_id = '${ODD_SPAN}' THEN end_time_unix_nano + 5 ELSE end_time_unix_nano END AS end_time_unix_nano) ` +
      `FROM read_parquet(${quoteLiteral(written)})) TO ${quoteLiteral(flushed)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  oldCompacted = join(tmp.dir, "old-compacted.parquet");
  await db.connection.run(
    `COPY (FROM read_parquet(${quoteLiteral(flushed)}) ORDER BY ${compactedOrderSql("traces")}) TO ${quoteLiteral(oldCompacted)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`,
  );
  compacted = join(tmp.dir, "compacted.parquet");
  const rows = TRACES * SPANS_PER_TRACE;
  const columns = (await db.connection.runAndReadAll(`SELECT name FROM parquet_schema(${quoteLiteral(flushed)}) WHERE num_children IS NULL`)).getRows().map(([n]) => String(n));
  await mergeParquet(db.connection, "traces", { columns, partial: [], inputs: [input(flushed, rows, ["b"])] }, compacted);
  newFlushed = join(tmp.dir, "new-flushed.parquet");
  await flushParquet({ db: db.connection, table: "traces", batches: [spansBatch(spans)], destPath: newFlushed, metadata: footerMetadata({ orgId: "acme", bucket: "default", shardId: 1, batchIds: ["b"] }) });
  newCompacted = join(tmp.dir, "new-compacted.parquet");
  await mergeParquet(db.connection, "traces", { columns: await leafColumns(newFlushed), partial: [], inputs: [input(newFlushed, rows, ["b"])] }, newCompacted);
});

const leafColumns = async (path: string) =>
  (await db.connection.runAndReadAll(`SELECT name FROM parquet_schema(${quoteLiteral(path)}) WHERE num_children IS NULL`)).getRows().map(([n]) => String(n));

afterAll(async () => {
  await engine.close();
  db.close();
  tmp.cleanup();
});

const storedEnds = async (path: string) =>
  Number((await db.connection.runAndReadAll(`SELECT count(end_time_unix_nano) FROM read_parquet(${quoteLiteral(path)})`)).getRows()[0]![0]);

test("a compacted file stores the end of only the span whose start + duration does not give it", async () => {
  expect(await storedEnds(flushed)).toBe(TRACES * SPANS_PER_TRACE);
  expect(await storedEnds(oldCompacted)).toBe(TRACES * SPANS_PER_TRACE);
  expect(await storedEnds(compacted)).toBe(1);
});

test("trace by id reads the same spans from flushed, old and new compacted files", async () => {
  const byId = (traceId: string, files: string[]) =>
    engine.execute(parseTicket({ kind: "trace_by_id", org: "acme", bucket: "default", traceId }), { files, live: [] });
  for (const t of [0, 2, 700, TRACES - 1]) {
    const want = (await byId(tid(t), [flushed])).toArray().map((r) => r.toJSON());
    expect(want).toHaveLength(SPANS_PER_TRACE);
    for (const files of [[compacted], [oldCompacted]]) {
      expect((await byId(tid(t), files)).toArray().map((r) => r.toJSON())).toEqual(want);
    }
  }
});

test("SQL over files (DuckDB) sees every end, derived or stored, also after compacting old and new files together", async () => {
  const recompacted = join(tmp.dir, "recompacted.parquet");
  const rows = TRACES * SPANS_PER_TRACE;
  const columns = (await db.connection.runAndReadAll(`SELECT name FROM parquet_schema(${quoteLiteral(compacted)}) WHERE num_children IS NULL`)).getRows().map(([n]) => String(n));
  // A new and an old compacted file of the same spans (as if two batches), merged: each row twice.
  await mergeParquet(db.connection, "traces", { columns, partial: [], inputs: [input(compacted, rows, ["b1"]), input(oldCompacted, rows, ["b2"])] }, recompacted);
  expect(await storedEnds(recompacted)).toBe(2);
  const sql = parseTicket({
    kind: "sql", org: "acme", bucket: "default",
    sql: "SELECT span_id, end_time_unix_nano::VARCHAR AS e FROM traces ORDER BY span_id",
  });
  const read = async (files: string[]) => (await engine.execute(sql, { traces: { files, live: [] } })).toArray().map((r) => r.toJSON());
  const want = await read([flushed]);
  expect(want).toHaveLength(rows);
  expect(want.find((r) => r.span_id === ODD_SPAN)!.e).not.toBe(want.find((r) => r.span_id === sid(8))!.e);
  for (const files of [[compacted], [oldCompacted]]) expect(await read(files)).toEqual(want);
  expect(await read([recompacted])).toEqual(want.flatMap((r) => [r, r]));
});

test("span fields at their default are left out of flushed and compacted files, and read back as the default", async () => {
  const leftOut = ["trace_state", "dropped_attributes_count", "dropped_events_count", "dropped_links_count", "scope_attributes", "resource_schema_url"];
  for (const path of [newFlushed, newCompacted]) {
    const columns = await leafColumns(path);
    for (const c of leftOut) expect(columns).not.toContain(c);
    expect(columns).toContain("attributes");
  }
  const byId = (traceId: string, files: string[]) =>
    engine.execute(parseTicket({ kind: "trace_by_id", org: "acme", bucket: "default", traceId }), { files, live: [] });
  // Trace 2 holds the span whose stored end was changed in `flushed` only.
  for (const t of [0, 700, TRACES - 1]) {
    const want = (await byId(tid(t), [flushed])).toArray().map((r) => r.toJSON());
    for (const files of [[newFlushed], [newCompacted]]) expect((await byId(tid(t), files)).toArray().map((r) => r.toJSON())).toEqual(want);
  }
  // An old file (every column) and a new one merge: the left-out columns filled with their default.
  const mixed = join(tmp.dir, "mixed.parquet");
  const rows = TRACES * SPANS_PER_TRACE;
  const [oldColumns, newColumns] = [await leafColumns(oldCompacted), await leafColumns(newCompacted)];
  const columns = oldColumns;
  const partial = oldColumns.filter((c) => !newColumns.includes(c));
  expect(partial).toEqual(expect.arrayContaining(leftOut));
  await mergeParquet(db.connection, "traces", { columns, partial, inputs: [input(newCompacted, rows, ["b1"]), input(oldCompacted, rows, ["b2"])] }, mixed);
  const sql = parseTicket({ kind: "sql", org: "acme", bucket: "default", sql: `SELECT ${leftOut.join(", ")}, count(*) AS n FROM traces GROUP BY ALL` });
  const groups = (await engine.execute(sql, { traces: { files: [mixed], live: [] } })).toArray().map((r) => r.toJSON());
  expect(groups).toEqual([{ trace_state: "", dropped_attributes_count: 0n, dropped_events_count: 0n, dropped_links_count: 0n, scope_attributes: "[]", resource_schema_url: "", n: BigInt(rows * 2) }]);
});
