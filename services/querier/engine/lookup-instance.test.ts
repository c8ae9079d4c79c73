/**
 * Trace by id runs in the lookup instance (lookup-instance.ts): one thread, its own spill
 * folder, the shared instance's other settings; and its answer is exactly what the trace-by-id
 * SQL gives over the same files on a DuckDB with every thread.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { openDuckDB, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { parseTicket, type TraceByIdTicket } from "../../../shared/query/index.ts";
import { spansBatch, tempDir, writeParquet, type SpanSpec } from "../../../test/helpers/query-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";
import { builtInSql, type BuiltInTicket } from "./built-in-sql.ts";
import { QueryEngine } from "./index.ts";
import { openLookupInstance } from "./lookup-instance.ts";
import { readerToTable } from "./result-to-arrow.ts";
import { createSourceView } from "./source-view.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const tmp = tempDir("sbx-lookup-");
let engine: QueryEngine;
let shared: DuckDBHandle;
let files: string[] = [];
const traceIds = Array.from({ length: 40 }, (_, t) => (t * 2654435761 + 1).toString(16).padStart(32, "0"));

beforeAll(async () => {
  engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
  shared = await openDuckDB(":memory:", { config: { threads: "2" } });
  // Two files, each trace split over both, spans in no particular order.
  for (let f = 0; f < 2; f++) {
    const spans: SpanSpec[] = traceIds.flatMap((traceId, t) =>
      Array.from({ length: 3 }, (_, s) => ({
        traceId, spanId: (f * 1000 + t * 10 + s + 1).toString(16).padStart(16, "0"), name: `op ${s}`,
        startNs: T0 + BigInt((t * 7 + s * 3 + f) % 11) * 1_000n, durationNs: 500n, service: `svc${f}`, attributes: { n: String(s) },
      })),
    );
    files.push(await writeParquet(tmp.dir, "traces", [spansBatch(spans)]));
  }
});

afterAll(async () => {
  await engine.close();
  shared.close();
  tmp.cleanup();
});

describe("lookup instance", () => {
  test("one thread, the shared settings otherwise, a spill folder of its own", async () => {
    const handle = await openLookupInstance({ memory_limit: "300MiB", temp_directory: `${tmp.dir}/spill`, threads: "4" });
    try {
      const row = (await handle.connection.runAndReadAll(
        "SELECT current_setting('threads'), current_setting('temp_directory'), current_setting('memory_limit'), current_setting('parquet_metadata_cache')",
      )).getRows()[0]!;
      expect(Number(row[0])).toBe(1);
      expect(row[1]).toBe(`${tmp.dir}/spill-lookups`);
      expect(String(row[2])).toMatch(/^(300\.0 MiB|314\.5 MB)$/);
      expect(row[3]).toBe(true);
    } finally {
      handle.close();
    }
  });

  test("trace by id answers as the trace-by-id SQL does on a DuckDB with every thread", async () => {
    for (const traceId of traceIds) {
      const ticket = parseTicket({ kind: "trace_by_id", org: "o", bucket: "b", traceId }) as TraceByIdTicket;
      const got = await engine.execute(ticket, { files, live: [] });
      const connection = await shared.instance.connect();
      try {
        await createSourceView(connection, "traces", "src", { files, live: [] });
        const { sql, schema } = builtInSql(ticket as BuiltInTicket, "src", 100_000);
        const want = readerToTable(await connection.runAndReadAll(sql), schema);
        expect(got.numRows).toBe(6);
        expect(got.toArray().map((r) => r.toJSON())).toEqual(want.toArray().map((r) => r.toJSON()));
      } finally {
        connection.closeSync();
      }
    }
  });
});
