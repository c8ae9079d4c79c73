/**
 * Search reads dedicated attribute columns (shared/tables/dedicated-attributes.ts): stored in
 * files the writer made, computed on the fly for older files and live rows. Every source must
 * give the same answer, including awkward attributes (duplicate keys, nested kvlists, number
 * forms such as exponents, unicode, empty attribute text), for dedicated and other keys.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { RecordBatch } from "apache-arrow";
import { appendArrow, openDuckDB, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { SORT_ORDER, tracesSchema, withDedicatedColumns, withDedicatedSchema } from "../../../shared/tables/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { parseTicket } from "../../../shared/query/index.ts";
import { batchOf, sid, spanRow, tempDir, tid, writeParquet, type SpanSpec } from "../../../test/helpers/query-fixtures.ts";
import { filesWithDedicatedColumns } from "./dedicated-files.ts";
import { QueryEngine, type QuerySources } from "./index.ts";
import { makeSpanBatch } from "../../../test/helpers/wal-batches.ts";
import type { SearchTicket } from "../../../shared/query/index.ts";
import { compileSearch } from "./search.ts";
import { createSourceView } from "./source-view.ts";
import { SearchEvaluation, traceSpansSql } from "./traceql/search-eval.ts";
import type { SpanRow } from "./traceql/trace-model.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const kv = (key: string, value: Record<string, unknown>) => ({ key, value });

function rows(): Record<string, unknown>[] {
  const span = (n: number, attributes: unknown[] | string, service = "svc"): Record<string, unknown> => {
    const spec: SpanSpec = { traceId: tid(n), spanId: sid(n), name: `op${n}`, startNs: T0 + BigInt(n) * 1000n, durationNs: BigInt(n) * 1_000_000n, service };
    return { ...spanRow(spec), attributes: typeof attributes === "string" ? attributes : JSON.stringify(attributes) };
  };
  return [
    span(1, [kv("http.response.status_code", { intValue: "500" }), kv("http.route", { stringValue: "/cart" })]),
    span(2, [kv("http.response.status_code", { intValue: "200" }), kv("http.status_code", { doubleValue: 1e3 }), kv("x", { doubleValue: 1e3 })]),
    span(3, [kv("http.response.status_code", { stringValue: "500" }), kv("rpc.service", { boolValue: true }), kv("ok", { boolValue: true })]),
    span(4, [kv("http.route", { stringValue: "first" }), kv("http.route", { stringValue: "second" })]),
    span(5, [kv("db.system", { stringValue: "pöstgres \"q\" ✓" }), kv("a", { stringValue: "d" })]),
    span(6, [kv("nested", { kvlistValue: { values: [kv("http.route", { stringValue: "/cart" })] } }), kv("url.full", { arrayValue: { values: [] } })]),
    span(7, ""),
    span(8, [kv("http.status_code", { doubleValue: 1e300 }), kv("http.method", { intValue: "99999999999999999999" }), kv("rpc.method", { doubleValue: "NaN" }), kv("x", { doubleValue: 0.5 })]),
    span(9, [kv("http.route", { stringValue: "/cart" })], "payment"),
  ];
}

const QUERIES: Record<string, unknown>[] = [
  { tags: { "http.response.status_code": "500" } },
  { tags: { "http.route": "/cart", "service.name": "payment" } },
  { tags: { "http.status_code": "1000.0" } },
  { tags: { "http.status_code": "1e300" } },
  { tags: { "http.route": "second" } },
  { tags: { "db.system": "pöstgres \"q\" ✓" } },
  { tags: { x: "1000.0" } },
  { q: '{ span.http.response.status_code >= 500 }' },
  { q: '{ span.http.response.status_code = 500 }' },
  { q: '{ .http.response.status_code = "500" }' },
  { q: '{ span.http.status_code > 0.4 }' },
  { q: '{ span.http.status_code >= 1000 }' },
  { q: '{ span.rpc.service = true }' },
  { q: '{ span.http.route = "first" }' },
  { q: '{ span.http.route != "first" }' },
  { q: '{ span.http.route =~ "/ca.*" }' },
  { q: '{ span.http.route !~ "/ca.*" }' },
  { q: '{ span.http.method > 0 }' },
  { q: '{ span.rpc.method > 0.0 }' },
  { q: '{ span.url.full != "z" }' },
  { q: '{ span.db.system =~ "pö.*" }' },
  { q: '{ span.x > 0.4 }' },
  { q: '{ span.a = "d" }' },
  { q: '{ resource.service.name = "payment" }' },
];

let engine: QueryEngine;
const tmp = tempDir("sbx-dedicated-");
let batch: RecordBatch;
let oldFile: string;
let newFile: string;

async function writeWithLists(path: string, b: RecordBatch): Promise<void> {
  const db = await openDuckDB();
  try {
    const schema = withDedicatedSchema(tracesSchema);
    await appendArrow(db.connection, "rows", [withDedicatedColumns(b)], schema);
    await db.connection.run(`COPY (FROM rows ORDER BY ${SORT_ORDER.traces.join(", ")}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
  batch = batchOf(tracesSchema, rows());
  oldFile = await writeParquet(tmp.dir, "traces", [batch]);
  newFile = join(tmp.dir, "with-lists.parquet");
  await writeWithLists(newFile, batch);
});

afterAll(async () => {
  oracle?.close();
  await engine.close();
  tmp.cleanup();
});

async function traceIds(extra: Record<string, unknown>, sources: QuerySources): Promise<string[]> {
  const table = await engine.execute(parseTicket({ kind: "search", org: "o", bucket: "b", limit: 50, ...extra }), sources);
  return table.toArray().map((r) => (r.toJSON() as { trace_id: string }).trace_id).sort();
}

describe("dedicated attribute columns", () => {
  test("expected matches (semantics of the JSON path)", async () => {
    const src = { files: [newFile], live: [] };
    // Legacy tags (no q) compare string attributes only, as Tempo.
    expect(await traceIds({ tags: { "http.response.status_code": "500" } }, src)).toEqual([tid(3)]);
    expect(await traceIds({ q: '{ span.http.response.status_code >= 500 }' }, src)).toEqual([tid(1)]);
    expect(await traceIds({ q: '{ span.http.route = "first" }' }, src)).toEqual([tid(4)]);
    expect(await traceIds({ tags: { "http.route": "second" } }, src)).toEqual([]);
    expect(await traceIds({ q: '{ span.http.route = "/cart" }' }, src)).toEqual([tid(1), tid(9)]);
    expect(await traceIds({ q: '{ span.http.status_code > 0.4 }' }, src)).toEqual([tid(2), tid(8)]);
    expect(await traceIds({ tags: { "http.status_code": "1e300" } }, src)).toEqual([]);
    expect(await traceIds({ q: '{ span.url.full != "z" }' }, src)).toEqual([]);
    expect(await traceIds({ q: '{ span.rpc.service = true }' }, src)).toEqual([tid(3)]);
  });

  test("files with stored lists, older files and live rows answer alike", async () => {
    for (const query of QUERIES) {
      const stored = await traceIds(query, { files: [newFile], live: [] });
      expect({ query, ids: await traceIds(query, { files: [oldFile], live: [] }) }).toEqual({ query, ids: stored });
      expect({ query, ids: await traceIds(query, { files: [], live: [batch] }) }).toEqual({ query, ids: stored });
    }
  }, 60_000); // 72 queries: slow on a loaded machine, not a timing assertion

  test("legacy tags read through the dedicated columns answer as through the attribute JSON", async () => {
    const realistic = makeSpanBatch({ batchId: "r", rows: 300, seed: 5 });
    const realisticFile = join(tmp.dir, "realistic.parquet");
    await writeWithLists(realisticFile, realistic);
    const realisticQueries = [
      { tags: { "http.request.method": "POST" } },
      { tags: { "http.request.method": "GET", "service.name": "checkout" } },
      { tags: { "http.route": "/api/cart", "http.response.status_code": "500" } },
      { tags: { "http.method": "GE", "http.url": "/" } },
      // Resource attributes: still read from their (small) JSON.
      { tags: { "k8s.namespace.name": "sho", "http.request.method": "PUT" } },
      { tags: { "host.name": "node-cart-7f9c", "http.route": "/health" } },
    ];
    const cases: Array<[Record<string, unknown>, string]> = [
      ...QUERIES.filter((q) => q.tags !== undefined).flatMap((q) => [[q, newFile], [q, oldFile]] as Array<[Record<string, unknown>, string]>),
      ...realisticQueries.map((q) => [q, realisticFile] as [Record<string, unknown>, string]),
    ];
    let matched = 0;
    for (const [query, file] of cases) {
      const want = await viaAttributeJson(query, file);
      matched += want.length;
      expect({ query, file, ids: await traceIds(query, { files: [file], live: [] }) }).toEqual({ query, file, ids: want });
    }
    expect(matched).toBeGreaterThan(50);
  }, 60_000);

  test("files are told apart by their schema", async () => {
    const db = await openDuckDB();
    try {
      expect([...(await filesWithDedicatedColumns(db.connection, [oldFile, newFile]))]).toEqual([newFile]);
    } finally {
      db.close();
    }
  });

  test("old and new files together (the two scans are unioned)", async () => {
    const both = await engine.execute(parseTicket({ kind: "search", org: "o", bucket: "b", q: '{ span.http.route = "/cart" }' }), {
      files: [oldFile, newFile],
      live: [],
    });
    const rowsOut = both.toArray().map((r) => r.toJSON() as { trace_id: string; span_sets: string });
    expect(rowsOut.map((r) => r.trace_id).sort()).toEqual([tid(1), tid(9)]);
    // Both copies of each span are seen (same rows in two files): matched counts them twice.
    for (const r of rowsOut) expect(JSON.parse(r.span_sets)[0].matched).toBe(2);
  });
});

let oracle: Awaited<ReturnType<typeof openDuckDB>> | undefined;

/** The legacy search's answer with every span's attribute JSON read (what it read before the dedicated columns). */
async function viaAttributeJson(query: Record<string, unknown>, file: string): Promise<string[]> {
  const ticket = parseTicket({ kind: "search", org: "o", bucket: "b", limit: 50, ...query }) as SearchTicket;
  const { expr, legacy } = compileSearch(ticket);
  const evaluation = new SearchEvaluation(expr, ticket, { perSpan: false, legacy });
  oracle ??= await openDuckDB();
  const connection = await oracle.instance.connect();
  try {
    await createSourceView(connection, "traces", "src", { files: [file], live: [] }, { dedicated: true });
    const ids = (await connection.runAndReadAll("SELECT DISTINCT trace_id FROM src")).getRows().map(([id]) => id as string);
    const read = { json: new Set(["attributes", "resource_attributes"] as const), dedicated: [] };
    const rows = (await connection.runAndReadAll(traceSpansSql("src", ids, [], read))).getRowObjectsJS() as unknown as SpanRow[];
    return evaluation.evaluate(rows).map((h) => h.traceId).sort();
  } finally {
    connection.closeSync();
  }
}
