import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { Dictionary, Field, Int32, Int64, Int8, makeData, RecordBatch, Schema, Struct, Table, tableFromArrays, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";
import { arrowRows } from "./arrow-rows.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** What the per-cell reading gave: every row through Vector.get. */
function viaGet(table: Table | RecordBatch): Record<string, unknown>[] {
  const names = table.schema.fields.map((f) => f.name);
  return Array.from({ length: table.numRows }, (_, i) => Object.fromEntries(names.map((n) => [n, table.getChild(n)!.get(i)])));
}

function batchOf(columns: Record<string, Vector>): RecordBatch {
  const fields = Object.entries(columns).map(([name, v]) => new Field(name, v.type, true));
  const length = Object.values(columns)[0]!.length;
  const data = makeData({ type: new Struct(fields), length, nullCount: 0, children: Object.values(columns).map((v) => v.data[0]!) });
  return new RecordBatch(new Schema(fields), data);
}

describe("arrowRows", () => {
  test("ASCII and non-ASCII text, nulls, 32- and 64-bit integers: the values Vector.get gives", () => {
    const batch = batchOf({
      ascii: vectorFromArray(["a", "", null, "trace-0001", "x".repeat(300)], new Utf8()),
      utf8: vectorFromArray(["é", "日本", null, "\ufeffbom", "plain"], new Utf8()),
      int32: vectorFromArray([1, -2, null, 2 ** 31 - 1, 0], new Int32()),
      int64: vectorFromArray([1n, -2n, null, 2n ** 62n, 0n], new Int64()),
    });
    expect(arrowRows(batch)).toEqual(viaGet(batch));
    expect(arrowRows(new Table([batch, batch]))).toEqual([...viaGet(batch), ...viaGet(batch)]);
  });

  test("dictionaries, doubles and sliced columns also agree", () => {
    const table = tableFromArrays({ f: Float64Array.from([0.5, -1, NaN]), n: Int32Array.from([1, 2, 3]) });
    expect(arrowRows(table)).toEqual(viaGet(table));
    const dict = batchOf({ d: vectorFromArray(["a", "b", "a", null], new Dictionary(new Utf8(), new Int8())) });
    expect(arrowRows(dict)).toEqual(viaGet(dict));
    const sliced = new Table([batchOf({ s: vectorFromArray(["a", "bb", null, "dddd"], new Utf8()) })]).slice(1, 4);
    expect(arrowRows(sliced)).toEqual(viaGet(sliced));
  });
});
