/** User SQL: read-only, over the caller's own files only, rows and time capped. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { QueryEngine, type TableSources } from "../services/querier/engine/index.ts";
import { parseTicket, QueryError } from "../shared/query/index.ts";
import { quietLog } from "./helpers/query-engine.ts";
import { logsBatch, spansBatch, tempDir, tid, sid, writeParquet } from "./helpers/query-fixtures.ts";
import { traceFixture } from "./helpers/query-trace-data.ts";

// Every SQL query starts in a sandbox process of its own: slow on a loaded machine.
setDefaultTimeout(60_000);

let engine: QueryEngine;
let sources: TableSources;
let otherOrgFile: string;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  const tmp = tempDir();
  ({ dir, cleanup } = tmp);
  const fx = traceFixture();
  const traceFiles = await Promise.all(fx.fileBatches.map((b) => writeParquet(dir, "traces", b)));
  const logs = { files: [], live: [logsBatch([{ timeNs: 1n, body: "hello", service: "api" }])] };
  sources = { traces: { files: traceFiles, live: fx.live }, logs };
  otherOrgFile = await writeParquet(dir, "traces", [
    spansBatch([{ traceId: tid(99), spanId: sid(99), name: "secret", startNs: 1n, durationNs: 1n, service: "other-org" }]),
  ]);
  writeFileSync(join(dir, "note.csv"), "a,b\n1,2\n");
  engine = await QueryEngine.open({ log: quietLog() });
});
afterAll(async () => {
  await engine.close();
  cleanup();
});

const sql = (text: string, maxRows?: number, eng = engine) =>
  eng.execute(parseTicket({ org: "acme", bucket: "default", kind: "sql", sql: text, ...(maxRows ? { maxRows } : {}) }), sources);
const rows = async (text: string, maxRows?: number) => (await sql(text, maxRows)).toArray().map((r) => r.toJSON());
async function refusal(text: string): Promise<QueryError> {
  const err = await sql(text).then(
    () => new Error(`expected refusal of: ${text}`),
    (e: unknown) => e,
  );
  if (!(err instanceof QueryError)) throw err;
  return err;
}

describe("SQL over the caller's data", () => {
  test("traces view = Parquet + live rows; logs and (empty) metrics exist", async () => {
    expect(await rows("SELECT count(*) AS n FROM traces")).toEqual([{ n: 12n }]);
    expect(await rows("SELECT count(*) AS n FROM logs")).toEqual([{ n: 1n }]);
    expect(await rows("SELECT count(*) AS n FROM metrics")).toEqual([{ n: 0n }]);
    expect(await rows("SELECT count(*) AS n FROM traces WHERE service_name = 'other-org'")).toEqual([{ n: 0n }]);
  });

  test("WITH ... SELECT, aggregation, ordering", async () => {
    const result = await rows(
      "WITH s AS (SELECT service_name, duration_nano FROM traces) SELECT service_name, count(*) AS spans FROM s GROUP BY 1 ORDER BY 1",
    );
    expect(result).toEqual([
      { service_name: "auth", spans: 1n },
      { service_name: "db", spans: 1n },
      { service_name: "frontend", spans: 9n },
      { service_name: "worker", spans: 1n },
    ]);
  });

  test("types: Utf8 / Int64 / Float64 / Bool, timestamps as Int64 ns, others as text", async () => {
    const table = await sql(
      "SELECT 1::INTEGER AS i, 2.5 AS dec, 1.5::DOUBLE AS f, true AS b, 'x' AS s, " +
        "TIMESTAMP '2024-01-01 00:00:01' AS ts, DATE '2024-01-01' AS d, [1, 2] AS l, NULL::VARCHAR AS n, " +
        "(SELECT sum(duration_nano) FROM traces) AS total",
    );
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      "i:Int64", "dec:Float64", "f:Float64", "b:Bool", "s:Utf8", "ts:Int64", "d:Utf8", "l:Utf8", "n:Utf8", "total:Int64",
    ]);
    const [row] = table.toArray().map((r) => r.toJSON());
    expect(row).toMatchObject({ i: 1n, dec: 2.5, f: 1.5, b: true, s: "x", ts: 1_704_067_201_000_000_000n, d: "2024-01-01", l: "[1, 2]", n: null });
  });

  test("rows capped at maxRows, flagged in schema metadata", async () => {
    const table = await sql("SELECT * FROM range(100)", 10);
    expect(table.numRows).toBe(10);
    expect(table.schema.metadata.get("signalbox.truncated")).toBe("true");
    expect((await sql("SELECT * FROM range(5)", 10)).schema.metadata.get("signalbox.truncated")).toBeUndefined();
  });

  test("time capped: the connection is interrupted → 504", async () => {
    const quick = await QueryEngine.open({ log: quietLog(), timeoutMs: 150 });
    try {
      const err = await sql("SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b", undefined, quick).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryError);
      expect((err as QueryError).code).toBe("DEADLINE_EXCEEDED");
      expect((err as QueryError).status).toBe(504);
    } finally {
      await quick.close();
    }
  });

  test("syntax errors → 400", async () => {
    const err = await refusal("SELEC 1");
    expect(err.status).toBe(400);
    expect((await refusal("SELECT nope FROM traces")).status).toBe(400);
  });
});

describe("SQL isolation", () => {
  test("external access is off and the configuration locked while user SQL runs", async () => {
    const [row] = await rows(
      "SELECT current_setting('enable_external_access') AS ext, current_setting('lock_configuration') AS locked, " +
        "current_setting('autoload_known_extensions') AS autoload",
    );
    expect(row).toEqual({ ext: false, locked: true, autoload: false });
  });

  test("reading files outside the org's own data → 403", async () => {
    for (const text of [
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM read_text('/etc/passwd')",
      `SELECT * FROM read_parquet('${otherOrgFile}')`,
      `SELECT * FROM read_parquet('${dir}/*.parquet')`,
      `SELECT * FROM read_csv('${join(dir, "note.csv")}')`,
      "SELECT * FROM glob('/etc/*')",
    ]) {
      const err = await refusal(text);
      expect(err.status, text).toBe(403);
      expect(err.code).toBe("PERMISSION_DENIED");
    }
  });

  test("statements other than one SELECT → 400 with a clear message", async () => {
    for (const text of [
      `ATTACH '${join(dir, "x.db")}' AS x`,
      "ATTACH ':memory:' AS x",
      `COPY (SELECT 1) TO '${join(dir, "out.csv")}'`,
      "COPY traces TO '/tmp/stolen.parquet'",
      "SET enable_external_access = true",
      "SET threads = 1",
      "RESET lock_configuration",
      "PRAGMA version",
      "PRAGMA show_tables",
      "INSTALL httpfs",
      "LOAD httpfs",
      "CREATE TABLE t AS SELECT 1",
      "INSERT INTO traces_live SELECT * FROM traces_live",
      "DROP VIEW traces",
      "EXPLAIN SELECT 1",
      "CALL pragma_version()",
      "SELECT 1; SELECT 2",
      "SELECT 1; ATTACH ':memory:' AS x",
    ]) {
      const err = await refusal(text);
      expect(err.status, `${text}: ${err.message}`).toBe(400);
    }
    expect((await refusal("INSTALL httpfs")).message).toContain("only read-only SELECT");
    expect((await refusal("SELECT 1; SELECT 2")).message).toContain("exactly one SQL statement");
  }, 90_000); // eighteen queries, each in its own process

  test("the data is untouched after refused statements", async () => {
    await refusal("DELETE FROM traces_live");
    expect(await rows("SELECT count(*) AS n FROM traces")).toEqual([{ n: 12n }]);
  });
});
