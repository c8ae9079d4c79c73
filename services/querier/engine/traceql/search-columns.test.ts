/**
 * A search reads the plain columns only an intrinsic needs (kind, status message, scope name
 * and version) only when its query names one; its answers are those of an evaluation over
 * every column of every span.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { openDuckDB, type DuckDBHandle } from "../../../../shared/duckdb/index.ts";
import { createLogger } from "../../../../shared/log/index.ts";
import { parseTicket, type SearchTicket } from "../../../../shared/query/index.ts";
import { tempDir, writeParquet } from "../../../../test/helpers/query-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../../test/helpers/timeouts.ts";
import { makeSpanBatch } from "../../../../test/helpers/wal-batches.ts";
import { QueryEngine } from "../index.ts";
import { compileSearch } from "../search.ts";
import { createSourceView } from "../source-view.ts";
import { SearchEvaluation, traceSpansSql } from "./search-eval.ts";
import type { SpanRow } from "./trace-model.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const tmp = tempDir("sbx-search-columns-");
let engine: QueryEngine;
let db: DuckDBHandle;
let file = "";

beforeAll(async () => {
  engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
  db = await openDuckDB();
  file = await writeParquet(tmp.dir, "traces", [makeSpanBatch({ batchId: "b", rows: 300, seed: 9 })]);
});

afterAll(async () => {
  await engine.close();
  db.close();
  tmp.cleanup();
});

const evaluation = (q: string) => {
  const ticket = parseTicket({ kind: "search", org: "o", bucket: "b", q, limit: 50 }) as SearchTicket;
  const { expr, extra, legacy } = compileSearch(ticket);
  return { ticket, evaluation: new SearchEvaluation(expr, ticket, { perSpan: extra.length > 0, legacy }) };
};

describe("intrinsic-only columns", () => {
  test("read only when the query names their intrinsic", () => {
    const sql = (q: string) => traceSpansSql("v", ["t"], [], evaluation(q).evaluation.columns);
    expect(sql("{ span.http.route = \"/api/cart\" }")).toContain("CAST(NULL AS INTEGER) AS kind");
    expect(sql("{ span.http.route = \"/api/cart\" }")).toContain("CAST(NULL AS VARCHAR) AS scope_version");
    expect(sql("{ kind = server }")).not.toContain("AS kind");
    expect(sql("{ } | select(span:statusMessage)")).not.toContain("AS status_message");
    expect(sql("{ instrumentation:name = \"x\" || instrumentation:version = \"1\" }")).not.toMatch(/AS scope_(name|version)/);
  });

  test("answers as an evaluation over every column", async () => {
    const queries = [
      '{ span.http.request.method = "POST" }',
      "{ duration > 1ms } | count() > 1",
      "{ status = error || kind = client }",
      '{ } | select(span:statusMessage, instrumentation:name)',
      '{ resource.service.name = "cart" } >> { }',
    ];
    const connection = await db.instance.connect();
    try {
      await createSourceView(connection, "traces", "src", { files: [file], live: [] }, { dedicated: true });
      const ids = (await connection.runAndReadAll("SELECT DISTINCT trace_id FROM src")).getRows().map(([id]) => id as string);
      const every = { json: new Set(["attributes", "resource_attributes", "events", "links", "scope_attributes"] as const), dedicated: [] };
      const rows = (await connection.runAndReadAll(traceSpansSql("src", ids, [], every))).getRowObjectsJS() as unknown as SpanRow[];
      let hits = 0;
      for (const q of queries) {
        const { ticket, evaluation: e } = evaluation(q);
        const want = e.evaluate(rows).map((h) => [h.traceId, h.spanSets]);
        const got = (await engine.execute(ticket, { files: [file], live: [] })).toArray().map((r) => {
          const row = r.toJSON() as { trace_id: string; span_sets: string };
          return [row.trace_id, row.span_sets];
        });
        hits += want.length;
        expect({ q, got }).toEqual({ q, got: want });
      }
      expect(hits).toBeGreaterThan(20);
    } finally {
      connection.closeSync();
    }
  });
});
