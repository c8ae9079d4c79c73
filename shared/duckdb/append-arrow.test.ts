import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Field, Int64, Schema, Utf8, Float64, Struct, makeData, RecordBatch, vectorFromArray } from "apache-arrow";
import { appendArrow, openDuckDB, type DuckDBHandle } from "./index.ts";
import { TABLE_NAMES, TABLE_SCHEMAS } from "../tables/tables.ts";
import { batchRows, makeGenericBatch, makeSpanBatch } from "../../test/helpers/wal-batches.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let db: DuckDBHandle;
beforeAll(async () => {
  db = await openDuckDB();
});
afterAll(() => db.close());

async function readAll(table: string, orderBy: string) {
  const r = await db.connection.runAndReadAll(`FROM "${table}" ORDER BY ${orderBy}`);
  return r.getRowObjectsJS() as Record<string, unknown>[];
}

describe("openDuckDB", () => {
  test("extension auto-install and auto-load are off", async () => {
    const r = await db.connection.runAndReadAll(
      "SELECT current_setting('autoinstall_known_extensions') AS i, current_setting('autoload_known_extensions') AS l",
    );
    expect(r.getRowObjectsJS()).toEqual([{ i: false, l: false }]);
  });

  test("caller config cannot re-enable downloads", async () => {
    const other = await openDuckDB(":memory:", { config: { autoinstall_known_extensions: "true", threads: "1" } });
    const r = await other.connection.runAndReadAll("SELECT current_setting('autoinstall_known_extensions') AS i");
    expect(r.getRowObjectsJS()).toEqual([{ i: false }]);
    other.close();
    other.close();
  });
});

describe("appendArrow", () => {
  for (const table of TABLE_NAMES) {
    test(`${table}: every column round-trips, nulls and ns Int64 exact, several batches and chunks`, async () => {
      // 2,500 rows cross a 2,048-row chunk; the second batch starts at a non-zero row offset.
      const batches = [
        makeGenericBatch(table, { batchId: "b1", rows: 2500, seed: 3 }),
        makeGenericBatch(table, { batchId: "b2", rows: 77, seed: 4 }).slice(5, 70),
      ];
      const name = `rt_${table}`;
      const rows = await appendArrow(db.connection, name, batches, TABLE_SCHEMAS[table]);
      expect(rows).toBe(2565);
      const expected = batches.flatMap(batchRows);
      const got = await readAll(name, "rowid");
      expect(got.length).toBe(expected.length);
      expect(got).toEqual(expected);
    });
  }

  test("declared nullability becomes NOT NULL", async () => {
    await appendArrow(db.connection, "nn_traces", [], TABLE_SCHEMAS.traces);
    const r = await db.connection.runAndReadAll(
      "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'nn_traces' AND column_name IN ('trace_id')",
    );
    expect(r.getRowObjectsJS()).toEqual([{ column_name: "trace_id", is_nullable: "NO" }]);
  });

  test("realistic spans keep unicode JSON and exact nanoseconds", async () => {
    const batch = makeSpanBatch({ batchId: "spans", rows: 3000, seed: 9 });
    await appendArrow(db.connection, "spans", [batch], TABLE_SCHEMAS.traces);
    const got = await readAll("spans", "rowid");
    expect(got).toEqual(batchRows(batch));
  });

  test("a reused chunk does not keep the nulls of an earlier slice", async () => {
    const schema = new Schema([new Field("s", new Utf8(), true), new Field("n", new Int64(), true), new Field("d", new Float64(), true)]);
    const mk = (s: (string | null)[], n: (bigint | null)[], d: (number | null)[]) =>
      new RecordBatch(schema, makeData({
        type: new Struct(schema.fields),
        length: s.length,
        nullCount: 0,
        children: [vectorFromArray(s, new Utf8()).data[0], vectorFromArray(n, new Int64()).data[0], vectorFromArray(d, new Float64()).data[0]],
      }));
    const a = mk([null, "x"], [null, 2n], [null, 1.5]);
    const b = mk(["y", "z"], [3n, 4n], [2.5, 3.5]);
    await appendArrow(db.connection, "reuse", [a, b], schema);
    expect(await readAll("reuse", "rowid")).toEqual([
      { s: null, n: null, d: null },
      { s: "x", n: 2n, d: 1.5 },
      { s: "y", n: 3n, d: 2.5 },
      { s: "z", n: 4n, d: 3.5 },
    ]);
  });

  test("constant, inlined (≤ 12 bytes) and long strings: exact, comparable, and a constant chunk does not leak into the next", async () => {
    const schema = new Schema([new Field("c", new Utf8(), false), new Field("s", new Utf8(), false)]);
    const n = 5000;
    const c = Array.from({ length: n }, (_, i) => (i < 2048 ? "same-value-for-the-first-chunk" : `v${i % 3}`));
    const sizes = ["", "a", "abcdefghijkl", "abcdefghijklm", "ü🌍", "x".repeat(40)];
    const s2 = Array.from({ length: n }, (_, i) => sizes[i % sizes.length]);
    const batch = new RecordBatch(schema, makeData({
      type: new Struct(schema.fields),
      length: n,
      nullCount: 0,
      children: [vectorFromArray(c, new Utf8()).data[0], vectorFromArray(s2, new Utf8()).data[0]],
    }));
    await appendArrow(db.connection, "strs", [batch], schema);
    const got = await readAll("strs", "rowid");
    expect(got).toEqual(c.map((v, i) => ({ c: v, s: s2[i] })));
    const counts = (await db.connection.runAndReadAll(
      "SELECT s, count(*)::INT AS n FROM strs WHERE s IN ('', 'a', 'abcdefghijkl', 'abcdefghijklm', 'ü🌍') GROUP BY s ORDER BY s",
    )).getRowObjectsJS();
    const want = ["", "a", "abcdefghijkl", "abcdefghijklm", "ü🌍"].map((v) => s2.filter((x) => x === v).length);
    expect(counts.map((r) => r.n)).toEqual(want);
    const v1 = (await db.connection.runAndReadAll("SELECT count(*)::INT AS n FROM strs WHERE c = 'v1'")).getRowObjectsJS();
    expect(v1).toEqual([{ n: c.filter((x) => x === "v1").length }]);
  });

  test("append to an existing table, and a persistent (non-temp) table", async () => {
    const schema = TABLE_SCHEMAS.logs;
    await appendArrow(db.connection, "logs_p", [makeGenericBatch("logs", { batchId: "x", rows: 10 })], schema, { temp: false });
    await appendArrow(db.connection, "logs_p", [makeGenericBatch("logs", { batchId: "y", rows: 5 })], schema, { temp: false, mode: "existing" });
    const r = await db.connection.runAndReadAll("SELECT batch_id, count(*)::INT AS n FROM main.logs_p GROUP BY 1 ORDER BY 1");
    expect(r.getRowObjectsJS()).toEqual([{ batch_id: "x", n: 10 }, { batch_id: "y", n: 5 }]);
  });

  test("nulls in a NOT NULL column are refused with a typed error", async () => {
    const schema = new Schema([new Field("s", new Utf8(), false)]);
    const batch = new RecordBatch(new Schema([new Field("s", new Utf8(), true)]), makeData({
      type: new Struct([new Field("s", new Utf8(), true)]),
      length: 2,
      nullCount: 0,
      children: [vectorFromArray(["a", null], new Utf8()).data[0]],
    }));
    await expect(appendArrow(db.connection, "nn_err", [batch], schema)).rejects.toThrow(/NOT NULL/);
  });
});
