/**
 * Files of one schema are scanned without `union_by_name` (file-schemas.ts); files of several
 * schemas (an older file without the dedicated columns next to a newer one, or columns in
 * another order) must still be read by column name, whichever view reads them.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { appendArrow, openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { parseTicket } from "../../../shared/query/index.ts";
import { tracesSchema, withDedicatedColumns, withDedicatedSchema } from "../../../shared/tables/index.ts";
import { sid, spansBatch, tempDir, tid, writeParquet } from "../../../test/helpers/query-fixtures.ts";
import { fileColumns, haveOneSchema } from "./file-schemas.ts";
import { QueryEngine } from "./index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const tmp = tempDir("sbx-file-schemas-");
let db: DuckDBHandle;
let plainA: string;
let plainB: string;
let withLists: string;
let reordered: string;

const batch = (n: number) =>
  spansBatch([{ traceId: tid(n), spanId: sid(n), name: `op${n}`, startNs: T0 + BigInt(n), durationNs: 5n, service: "svc", attributes: { "http.route": "/a" } }]);

beforeAll(async () => {
  db = await openDuckDB();
  plainA = await writeParquet(tmp.dir, "traces", [batch(1)]);
  plainB = await writeParquet(tmp.dir, "traces", [batch(2)]);
  await appendArrow(db.connection, "rows3", [withDedicatedColumns(batch(3))], withDedicatedSchema(tracesSchema));
  withLists = join(tmp.dir, "with-lists.parquet");
  await db.connection.run(`COPY (FROM rows3) TO ${quoteLiteral(withLists)} (FORMAT parquet)`);
  await appendArrow(db.connection, "rows4", [batch(4)], tracesSchema);
  reordered = join(tmp.dir, "reordered.parquet");
  await db.connection.run(`COPY (SELECT name, * EXCLUDE (name) FROM rows4) TO ${quoteLiteral(reordered)} (FORMAT parquet)`);
});

afterAll(() => {
  db.close();
  tmp.cleanup();
});

describe("file schemas", () => {
  test("files written alike share a fingerprint; extra or reordered columns do not", async () => {
    const columns = await fileColumns(db.connection, [plainA, plainB, withLists, reordered]);
    expect(columns.get(plainA)!.fingerprint).toBe(columns.get(plainB)!.fingerprint);
    expect(columns.get(plainA)!.fingerprint).not.toBe(columns.get(withLists)!.fingerprint);
    expect(columns.get(plainA)!.fingerprint).not.toBe(columns.get(reordered)!.fingerprint);
    expect(columns.get(withLists)!.names.has("span_http_route")).toBe(true);
    expect(await haveOneSchema(db.connection, [plainA, plainB])).toBe(true);
    expect(await haveOneSchema(db.connection, [plainA, reordered])).toBe(false);
  });

  test("every view reads mixed files by column name", async () => {
    const engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
    try {
      const files = [plainA, plainB, withLists, reordered];
      const sql = await engine.execute(
        parseTicket({ kind: "sql", org: "o", bucket: "b", sql: "SELECT trace_id, name FROM traces ORDER BY trace_id" }),
        { traces: { files, live: [] } },
      );
      expect(sql.toArray().map((r) => `${r.trace_id} ${r.name}`)).toEqual([1, 2, 3, 4].map((n) => `${tid(n)} op${n}`));
      const search = await engine.execute(parseTicket({ kind: "search", org: "o", bucket: "b", q: '{ span.http.route = "/a" }' }), { files, live: [] });
      expect(search.toArray().map((r) => r.trace_id as string).sort()).toEqual([1, 2, 3, 4].map(tid));
      for (const n of [1, 4]) {
        const trace = await engine.execute(parseTicket({ kind: "trace_by_id", org: "o", bucket: "b", traceId: tid(n) }), { files, live: [] });
        expect(trace.toArray().map((r) => r.name)).toEqual([`op${n}`]);
      }
    } finally {
      await engine.close();
    }
  });
});
