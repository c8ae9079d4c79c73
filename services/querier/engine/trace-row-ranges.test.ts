/**
 * In a large file the trace-id index narrows a read to the rows that hold the wanted traces
 * (trace-id-index.ts, source-view.ts): a trace by id and a search's whole-trace evaluation
 * must still see every span of those traces, in a file ordered as compaction orders spans
 * (newest trace first, each trace's spans together) with several row groups.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { parseTicket } from "../../../shared/query/index.ts";
import { spansBatch, tempDir, writeParquet, type SpanSpec } from "../../../test/helpers/query-fixtures.ts";
import { QueryEngine } from "./index.ts";
import { TraceIdIndex } from "./trace-id-index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const SEC = 1_000_000_000n;
const TRACES = 2_600;
const SPANS_PER_TRACE = 4;
const sid = (n: number) => n.toString(16).padStart(16, "0");
const randomId = (n: number) => {
  const h = (x: number) => (Math.imul(x ^ 0x9e3779b9, 0x85ebca6b) >>> 0).toString(16).padStart(8, "0");
  return h(n) + h(n + 1e6) + h(n + 2e6) + h(n + 3e6);
};

const tmp = tempDir("sbx-row-ranges-");
let db: DuckDBHandle;
let engine: QueryEngine;
let big = "";
let small = "";
/** Has spans in both files; its only matching span is in the small one. */
const split = randomId(42);

beforeAll(async () => {
  db = await openDuckDB();
  engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
  const spans: SpanSpec[] = [];
  for (let t = 0; t < TRACES; t++) {
    for (let s = 0; s < SPANS_PER_TRACE; s++) {
      const n = t * SPANS_PER_TRACE + s;
      spans.push({
        traceId: randomId(t), spanId: sid(n + 1), parentSpanId: s === 0 ? "" : sid(t * SPANS_PER_TRACE + 1),
        name: s === 0 ? `root ${t}` : "child", startNs: T0 + BigInt(t) * SEC + BigInt(s) * 1_000n, durationNs: 1_000n, service: "api",
      });
    }
  }
  const flushed = await writeParquet(tmp.dir, "traces", [spansBatch(spans)]);
  big = `${tmp.dir}/compacted.parquet`;
  await db.connection.run(
    `COPY (FROM read_parquet(${quoteLiteral(flushed)}) ORDER BY min(start_time_unix_nano) OVER (PARTITION BY trace_id) DESC, trace_id, start_time_unix_nano) ` +
      `TO ${quoteLiteral(big)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`,
  );
  small = await writeParquet(tmp.dir, "traces", [
    spansBatch([{ traceId: split, spanId: sid(900_000), parentSpanId: sid(42 * SPANS_PER_TRACE + 1), name: "late", startNs: T0 + 5_000n * SEC, durationNs: SEC, service: "api", attributes: { hit: "yes" } }]),
  ]);
});

afterAll(async () => {
  await engine.close();
  db.close();
  tmp.cleanup();
});

describe("row ranges in large files", () => {
  test("the index gives each trace the rows that hold it, and no range for a small file", async () => {
    const index = new TraceIdIndex();
    const rowsOf = async (id: string) =>
      (await db.connection.runAndReadAll(`SELECT file_row_number FROM read_parquet(${quoteLiteral(big)}, file_row_number = true) WHERE trace_id = ${quoteLiteral(id)}`))
        .getRows()
        .map(([r]) => Number(r));
    for (const t of [0, 1, 1_300, TRACES - 1]) {
      const { files, rows } = await index.locate(db.connection, [big, small], [randomId(t)]);
      expect(files).toEqual([big]);
      const held = await rowsOf(randomId(t));
      expect(rows.get(big)).toEqual({ first: Math.min(...held), last: Math.max(...held) });
    }
    const both = await index.locate(db.connection, [big, small], [split, randomId(7)]);
    expect(both.files).toEqual([big, small]);
    expect(both.rows.has(small)).toBe(false);
    const [a, b] = [await rowsOf(split), await rowsOf(randomId(7))];
    expect(both.rows.get(big)).toEqual({ first: Math.min(...a, ...b), last: Math.max(...a, ...b) });
  });

  test("trace by id reads every span of the trace", async () => {
    const spanIds = async (traceId: string) => {
      const table = await engine.execute(parseTicket({ kind: "trace_by_id", org: "o", bucket: "b", traceId }), { files: [big, small], live: [] });
      return table.toArray().map((r) => r.toJSON().span_id as string);
    };
    expect(await spanIds(randomId(2_000))).toEqual([1, 2, 3, 4].map((s) => sid(2_000 * SPANS_PER_TRACE + s)));
    expect(await spanIds(split)).toEqual([...[1, 2, 3, 4].map((s) => sid(42 * SPANS_PER_TRACE + s)), sid(900_000)]);
    expect(await spanIds(randomId(TRACES + 5))).toEqual([]);
  });

  test("a trace read from a large file's pages meets live rows and retention exactly as a DuckDB scan would", async () => {
    const id = randomId(1_000);
    // A live span that sorts between the file's spans (same start as span 2, smaller span id),
    // and retention that hides the trace's first span.
    const live = spansBatch([{ traceId: id, spanId: sid(0), name: "live", startNs: T0 + 1_000n * SEC + 1_000n, durationNs: 1n, service: "api", batchId: "live-1" }]);
    const ticket = parseTicket({ kind: "trace_by_id", org: "o", bucket: "b", traceId: id });
    const sources = { files: [big, small], live: [live], notBeforeNs: T0 + 1_000n * SEC + 1n };
    const rows = (table: { toArray(): { toJSON(): Record<string, unknown> }[] }) => table.toArray().map((r) => r.toJSON());
    const answer = rows(await engine.execute(ticket, sources));
    expect(answer.map((r) => r.span_id)).toEqual([sid(0), ...[2, 3, 4].map((s) => sid(1_000 * SPANS_PER_TRACE + s))]);
    // The file's part, as a plain DuckDB scan of the whole file reads it.
    const scanned = await db.connection.runAndReadAll(
      `SELECT * FROM read_parquet(${quoteLiteral(big)}) WHERE trace_id = ${quoteLiteral(id)} AND start_time_unix_nano >= ${sources.notBeforeNs} ORDER BY start_time_unix_nano, span_id`,
    );
    const fromFile = scanned.getRowObjectsJS();
    expect(answer.filter((r) => r.batch_id !== "live-1")).toEqual(fromFile.map((r) => ({ ...r, trace_state: r.trace_state ?? "" })) as never);
  });

  test("a large file the point reader cannot decode is scanned by DuckDB instead", async () => {
    const snappy = `${tmp.dir}/compacted-snappy.parquet`;
    await db.connection.run(`COPY (FROM read_parquet(${quoteLiteral(big)})) TO ${quoteLiteral(snappy)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 2048)`);
    const ticket = parseTicket({ kind: "trace_by_id", org: "o", bucket: "b", traceId: randomId(2_000) });
    const fromSnappy = await engine.execute(ticket, { files: [snappy], live: [] });
    const fromZstd = await engine.execute(ticket, { files: [big], live: [] });
    expect(fromSnappy.numRows).toBe(SPANS_PER_TRACE);
    expect(fromSnappy.toArray().map((r) => r.toJSON())).toEqual(fromZstd.toArray().map((r) => r.toJSON()));
  });

  test("a search evaluates a trace whole across a large and a small file", async () => {
    const table = await engine.execute(parseTicket({ kind: "search", org: "o", bucket: "b", tags: { hit: "yes" }, limit: 5 }), { files: [big, small], live: [] });
    const rows = table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ trace_id: split, root_trace_name: "root 42", start_time_unix_nano: T0 + 42n * SEC });
    expect(rows[0]!.duration_nano).toBe(5_000n * SEC + SEC - 42n * SEC);
  });
});
