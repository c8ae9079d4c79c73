/**
 * The writer computes the dedicated columns in JS; the querier computes them in SQL for older
 * files and live rows. Both must agree on every attribute text, canonical or not.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { batchOf, sid, spanRow, tid } from "../../../test/helpers/query-fixtures.ts";
import { makeSpanBatch } from "../../../test/helpers/wal-batches.ts";
import { appendArrow, openDuckDB, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { DEDICATED_COLUMNS, tracesSchema, withDedicatedColumns, withDedicatedSchema } from "../../../shared/tables/index.ts";
import { dedicatedColumnsOnTheFlySql } from "./dedicated-sql.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const kv = (key: string, value: unknown) => ({ key, value });
const ATTRIBUTE_TEXTS: string[] = [
  JSON.stringify([kv("http.response.status_code", { intValue: "500" }), kv("http.route", { stringValue: "/cart" })]),
  JSON.stringify([kv("http.status_code", { doubleValue: 1e3 }), kv("x", { doubleValue: 1e3 })]),
  JSON.stringify([kv("rpc.service", { boolValue: true }), kv("rpc.method", { boolValue: false })]),
  JSON.stringify([kv("http.route", { stringValue: "first" }), kv("http.route", { stringValue: "second" })]),
  JSON.stringify([kv("db.system", { stringValue: 'pöstgres "q" \\ ✓\n' }), kv("a", { stringValue: "d" })]),
  JSON.stringify([kv("nested", { kvlistValue: { values: [kv("http.route", { stringValue: "/cart" })] } }), kv("url.full", { arrayValue: { values: [{ stringValue: "}]" }] } })]),
  "",
  "[]",
  '[{"key":"http.status_code","value":{"doubleValue":1e300}},{"key":"http.method","value":{"intValue":"99999999999999999999"}},{"key":"rpc.method","value":{"doubleValue":"NaN"}}]',
  JSON.stringify([kv("http.url", {}), kv("http.method", { bytesValue: "AAE=" }), kv("service.name", { stringValue: "cart" })]),
  '[{"key":"http.route","value":{"intValue":42}}]',
  '[{"key":"http.status_code","value":{"doubleValue":1e+300}},{"key":"http.url","value":{"doubleValue":1E5}},{"key":"rpc.method","value":{"doubleValue":-2.5e+22}}]',
  '[{"key":"http.status_code","value":{"doubleValue":1000}},{"key":"http.url","value":{"doubleValue":1e20}},{"key":"rpc.method","value":{"doubleValue":123456789012345678901}}]',
  '[{"key":"http.status_code","value":{"doubleValue":1e-7}},{"key":"http.url","value":{"doubleValue":0.000001}},{"key":"rpc.method","value":{"doubleValue":-0}}]',
  '[{"key":"http.status_code","value":{"doubleValue":1.0}},{"key":"http.url","value":{"intValue":-12}},{"key":"rpc.method","value":{"stringValue":null}},{"key":"rpc.service","value":{"boolValue":null}}]',
  "not json",
  '[{"key":"http.route","value":{"stringValue":"unterminated}]',
];

/**
 * Valid JSON in another shape than the acceptor writes (a Flight client's rows): the stored
 * columns hold what the JSON says. (The querier's on-the-fly SQL skips the parse when the
 * canonical `"key":"…"` text is absent, so it sees these as absent.)
 */
const NON_CANONICAL: [string, Record<string, string>][] = [
  ['[ {"value": {"stringValue": "GET"}, "key": "http.method"} ]', { span_http_method: "sGET" }],
  ['[{"key":"http.r\\u006fute","value":{"stringValue":"/escaped-key"}}]', { span_http_route: "s/escaped-key" }],
  ['[{"key":"db.system","value":{"intValue":7,"stringValue":"pg"}}]', { span_db_system: "spg" }],
];

let db: DuckDBHandle;
beforeAll(async () => {
  db = await openDuckDB(":memory:", { config: { threads: "1" } });
});
afterAll(() => db.close());

async function compare(batch: ReturnType<typeof makeSpanBatch>, table: string): Promise<number> {
  const schema = withDedicatedSchema(tracesSchema);
  const computed = withDedicatedColumns(batch);
  await appendArrow(db.connection, table, [batch], tracesSchema);
  const sql = await db.connection.runAndReadAll(`SELECT ${dedicatedColumnsOnTheFlySql()} FROM ${table} ORDER BY rowid`);
  const expected = sql.getRowObjectsJS();
  expect(expected.length).toBe(batch.numRows);
  let set = 0;
  for (let row = 0; row < batch.numRows; row++) {
    for (const column of DEDICATED_COLUMNS) {
      const got = computed.getChild(column)!.get(row);
      const want = expected[row]![column] ?? null;
      if (want !== null) set++;
      expect({ row, column, value: got }).toEqual({ row, column, value: want });
    }
  }
  return set;
}

describe("withDedicatedColumns", () => {
  test("same values as the querier's SQL for awkward attribute texts", async () => {
    const rows = ATTRIBUTE_TEXTS.map((attributes, n) => ({
      ...spanRow({ traceId: tid(n + 1), spanId: sid(n + 1), name: "op", startNs: 1_000n + BigInt(n), durationNs: 5n, service: "svc" }),
      attributes,
    }));
    const set = await compare(batchOf(tracesSchema, rows), "awkward");
    expect(set).toBeGreaterThan(10);
  });

  test("other valid JSON shapes give what the JSON says", () => {
    const rows = NON_CANONICAL.map(([attributes], n) => ({
      ...spanRow({ traceId: tid(n + 1), spanId: sid(n + 1), name: "op", startNs: 1n, durationNs: 5n, service: "svc" }),
      attributes,
    }));
    const out = withDedicatedColumns(batchOf(tracesSchema, rows));
    NON_CANONICAL.forEach(([, want], row) => {
      const got = Object.fromEntries(DEDICATED_COLUMNS.map((c) => [c, out.getChild(c)!.get(row)]).filter(([, v]) => v !== null));
      expect(got).toEqual(want);
    });
  });

  test("same values on realistic spans, on a sliced batch", async () => {
    const batch = makeSpanBatch({ batchId: "b", rows: 3000, seed: 11 }).slice(7, 2900);
    expect(await compare(batch, "realistic")).toBeGreaterThan(2000);
  });

  test("the original columns are kept as they were", () => {
    const batch = makeSpanBatch({ batchId: "b", rows: 50, seed: 2 });
    const out = withDedicatedColumns(batch);
    for (const field of tracesSchema.fields) expect(out.getChild(field.name)!.toArray()).toEqual(batch.getChild(field.name)!.toArray());
  });
});
