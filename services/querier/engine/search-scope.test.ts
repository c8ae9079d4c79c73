/**
 * Search evaluates candidate traces over only the files that may hold them (search-scope.ts):
 * a trace whose spans sit in several files (and in live rows) must still be evaluated whole —
 * root, start, duration, matched count and span sets — and files holding none of the
 * candidates must not change the answer.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import type { RecordBatch } from "apache-arrow";
import { createLogger } from "../../../shared/log/index.ts";
import { parseTicket } from "../../../shared/query/index.ts";
import { spansBatch, tempDir, writeParquet, type SpanSpec } from "../../../test/helpers/query-fixtures.ts";
import type { DuckDBConnection } from "@duckdb/node-api";
import { openDuckDB, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { createSourceView, QueryEngine, searchScope, TraceIdIndex } from "./index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const SEC = 1_000_000_000n;
const id = (n: number) => `${(0xabc000 + n).toString(16)}`.padStart(32, "f");
const sid = (n: number) => n.toString(16).padStart(16, "0");

let engine: QueryEngine;
const tmp = tempDir("sbx-search-scope-");
let files: string[] = [];
let live: RecordBatch[] = [];

beforeAll(async () => {
  engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
  const span = (trace: number, n: number, startS: bigint, extra: Partial<SpanSpec> = {}): SpanSpec => ({
    traceId: id(trace), spanId: sid(n), name: "child", startNs: T0 + startS * SEC, durationNs: SEC, service: "api", ...extra,
  });
  // Oldest file: trace 1's root (no match) and 20 unrelated traces.
  const old = [span(1, 1, 0n, { name: "GET /root", service: "gateway" })];
  for (let t = 100; t < 120; t++) old.push(span(t, t, 1n, { name: "other" }));
  // Middle file: nothing of the matching traces.
  const middle = Array.from({ length: 20 }, (_, i) => span(200 + i, 200 + i, 50n, { name: "other" }));
  // Newest file: trace 1's matching span (late), trace 2 whole (root + match).
  const newest = [
    span(1, 2, 100n, { parentSpanId: sid(1), attributes: { hit: "yes", "http.route": "/x" } }),
    span(2, 3, 90n, { name: "POST /two", service: "web" }),
    span(2, 4, 91n, { parentSpanId: sid(3), attributes: { hit: "yes", "http.route": "/x" } }),
  ];
  files = [
    await writeParquet(tmp.dir, "traces", [spansBatch(old)]),
    await writeParquet(tmp.dir, "traces", [spansBatch(middle)]),
    await writeParquet(tmp.dir, "traces", [spansBatch(newest)]),
  ];
  // Live: one more matching span of trace 1, ending last.
  live = [spansBatch([span(1, 5, 120n, { parentSpanId: sid(1), attributes: { hit: "yes", "http.route": "/x" }, durationNs: 5n * SEC })])];
});

afterAll(async () => {
  await engine.close();
  tmp.cleanup();
});

const search = async (extra: Record<string, unknown>) => {
  const table = await engine.execute(parseTicket({ kind: "search", org: "o", bucket: "b", ...extra }), { files, live });
  return table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
};

describe("search over the files that hold the candidates", () => {
  for (const [name, params] of [
    ["TraceQL on a plain column + attribute", { q: '{ span.hit = "yes" && name = "child" }' }],
    ["legacy tags", { tags: { hit: "yes" } }],
  ] as const) {
    test(`${name}: a trace split over files and live rows is evaluated whole`, async () => {
      const rows = await search({ ...params, limit: 5 });
      expect(rows.map((r) => r.trace_id)).toEqual([id(2), id(1)]);
      const t1 = rows[1]!;
      expect(t1).toMatchObject({ root_service_name: "gateway", root_trace_name: "GET /root", start_time_unix_nano: T0 });
      expect(t1.duration_nano).toBe(125n * SEC);
      // Tempo answers no span sets for a search without q.
      if (!("q" in params)) return expect(t1.span_sets).toBe("");
      const sets = JSON.parse(t1.span_sets as string) as { spans: { spanID: string }[]; matched: number }[];
      expect(sets[0]!.matched).toBe(2);
      expect(sets[0]!.spans.map((s) => s.spanID)).toEqual([sid(2), sid(5)]);
      expect(rows[0]).toMatchObject({ root_service_name: "web", root_trace_name: "POST /two", duration_nano: 2n * SEC });
    });
  }

  test("a dedicated-column search gives the same whole-trace facts", async () => {
    const rows = await search({ q: '{ span.http.route = "/x" && duration >= 1s }', limit: 5 });
    expect(rows.map((r) => r.trace_id)).toEqual([id(2), id(1)]);
    expect(rows[1]).toMatchObject({ root_trace_name: "GET /root", start_time_unix_nano: T0, duration_nano: 125n * SEC });
    const sets = JSON.parse(rows[1]!.span_sets as string) as { spans: { spanID: string; attributes: unknown[] }[]; matched: number }[];
    expect(sets[0]!.matched).toBe(2);
    expect(sets[0]!.spans.map((s) => s.spanID)).toEqual([sid(2), sid(5)]);
    // Only the attribute the query names (Tempo): http.route; duration is a field of its own.
    expect(sets[0]!.spans[1]!.attributes).toEqual([{ key: "http.route", value: { stringValue: "/x" } }]);
  });
});

describe("live rows in several batches", () => {
  test("span sets find each live span in its own batch", async () => {
    const span = (n: number, startS: bigint, batchId: string, extra: Partial<SpanSpec> = {}): SpanSpec => ({
      traceId: id(7), spanId: sid(n), parentSpanId: sid(70), name: "child", startNs: T0 + startS * SEC, durationNs: SEC,
      service: "api", batchId, attributes: { "http.route": "/y", n }, ...extra,
    });
    const batches = [
      spansBatch([span(70, 200n, "live-a", { parentSpanId: "", name: "root", attributes: {} }), span(71, 201n, "live-a")]),
      spansBatch([span(72, 202n, "live-b"), span(73, 203n, "live-b")]),
    ];
    for (const q of ['{ span.http.route = "/y" } | select(span.n)', '{ span.n >= 1 }']) {
      const table = await engine.execute(parseTicket({ kind: "search", org: "o", bucket: "b", q, limit: 5 }), { files: [], live: batches });
      const [row] = table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
      expect(row).toMatchObject({ trace_id: id(7), root_trace_name: "root", start_time_unix_nano: T0 + 200n * SEC });
      const [set] = JSON.parse(row!.span_sets as string) as { spans: { spanID: string; attributes: { key: string }[] }[]; matched: number }[];
      expect(set!.matched).toBe(3);
      expect(set!.spans.map((s) => s.spanID)).toEqual([sid(71), sid(72), sid(73)]);
      expect(set!.spans.every((s) => s.attributes.some((a) => a.key === "n"))).toBe(true);
    }
  });
});

describe("newest candidates, newest file first", () => {
  const walk = tempDir("sbx-newest-walk-");
  let connection: DuckDBConnection;
  let db: DuckDBHandle;
  let walkFiles: string[];
  let walkLive: RecordBatch[];
  let liveTable: string | null;
  const hits = (base: bigint, count: number, trace0: number): SpanSpec[] =>
    Array.from({ length: count }, (_, i) => ({
      traceId: id(trace0 + i), spanId: sid(trace0 + i), name: "hit", startNs: T0 + (base + BigInt(i)) * SEC, durationNs: SEC,
    }));

  beforeAll(async () => {
    db = await openDuckDB();
    connection = db.connection;
    // Three time slices of 100 matching spans each, listed oldest first; three newer live spans.
    walkFiles = [
      await writeParquet(walk.dir, "traces", [spansBatch(hits(0n, 100, 1000))]),
      await writeParquet(walk.dir, "traces", [spansBatch(hits(1000n, 100, 2000))]),
      await writeParquet(walk.dir, "traces", [spansBatch(hits(2000n, 100, 3000))]),
    ];
    walkLive = [spansBatch(hits(3000n, 3, 4000))];
    liveTable = await createSourceView(connection, "traces", "src", { files: walkFiles, live: walkLive }, { dedicated: true, locate: true });
  });

  afterAll(() => {
    db.close();
    walk.cleanup();
  });

  const candidateSql = (k: number) => (from: string) =>
    `SELECT trace_id, start_time_unix_nano FROM ${from} WHERE name = 'hit' ORDER BY start_time_unix_nano DESC LIMIT ${k}`;
  const overEverything = async (k: number) => (await connection.runAndReadAll(candidateSql(k)('"src"'))).getRows();

  for (const [k, steps] of [[50, 1], [150, 2], [400, 2]] as const) {
    test(`k = ${k}: the same rows as one query over every source, in ${steps} step(s)`, async () => {
      const scope = searchScope(connection, "src", liveTable, walkFiles, new TraceIdIndex());
      let calls = 0;
      const rows = await scope.newestCandidates((from) => (calls++, candidateSql(k)(from)), k);
      expect(rows).toEqual((await overEverything(k)) as Array<[string, bigint]>);
      expect(rows).toHaveLength(Math.min(k, 303));
      // k = 50: the live rows and the newest file hold 103 candidates, all newer than the
      // other files: those are never read.
      expect(calls).toBe(steps);
    });
  }
});
