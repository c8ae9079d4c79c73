import { describe, expect, test } from "bun:test";
import { Dictionary, Int32, makeData, RecordBatch, Schema, Field, Struct, Utf8, vectorFromArray } from "apache-arrow";
import { openDuckDB, quoteLiteral } from "../duckdb/index.ts";
import { isPlainLogfmtBody, PLAIN_LOGFMT_BODY, plainLogfmtServices } from "./plain-logfmt.ts";

const encoder = new TextEncoder();
const plainInJs = (body: string) => {
  const bytes = encoder.encode(body);
  return isPlainLogfmtBody(bytes, 0, bytes.length);
};

/** Random lines over the characters that decide plainness, as string bodies (and a few other bodies). */
function randomBodies(n: number, alphabet: readonly string[]): string[] {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const out = ['{"intValue":"5"}', '{"stringValue":"a=b"} ', ""];
  for (let i = 0; i < n; i++) {
    const line = Array.from({ length: Math.floor(rnd() * 14) }, () => alphabet[Math.floor(rnd() * alphabet.length)]!).join("");
    out.push(JSON.stringify({ stringValue: line }));
  }
  return out;
}

describe("plain logfmt lines", () => {
  test("the writer's test answers true only where the querier's pattern matches, and on ASCII exactly as it", async () => {
    const ascii = ["a", "b", "Z", "_", "1", "=", "=", " ", " ", '"', "\\", ".", "-", "\t", "\u0001", "k=v ", 'q="x y" '];
    const other = [...ascii, "é", "\uFFFD", "\u007f"];
    const db = await openDuckDB();
    try {
      for (const [alphabet, exact] of [[ascii, true], [other, false]] as const) {
        const bodies = randomBodies(3000, alphabet);
        const reader = await db.connection.runAndReadAll(
          `SELECT coalesce(regexp_full_match(b, ${quoteLiteral(PLAIN_LOGFMT_BODY)}), false) FROM unnest([${bodies.map(quoteLiteral).join(", ")}]::VARCHAR[]) t(b)`,
        );
        const inSql = reader.getRows().map((r) => r[0] as boolean);
        const inJs = bodies.map(plainInJs);
        expect(inJs.filter((p, i) => p && !inSql[i]!)).toEqual([]);
        if (exact) expect(inJs).toEqual(inSql);
        expect(inJs.filter(Boolean).length).toBeGreaterThan(50);
      }
    } finally {
      db.close();
    }
  });

  test("a flush names the services whose every body is a plain logfmt line, from plain or dictionary columns", () => {
    const bodies = ["level=info a=1", 'msg="x y"', "level=info", "{}", "a=1", "b=2"].map((l) => JSON.stringify({ stringValue: l }));
    const services = ["pay", "pay", "web", "web", "", "db"];
    const fields = [new Field("body", new Utf8(), true), new Field("service_name", new Utf8(), true)];
    const plain = new RecordBatch(new Schema(fields), makeData({
      type: new Struct(fields), length: 6, nullCount: 0,
      children: [vectorFromArray(bodies, new Utf8()).data[0]!, vectorFromArray(services, new Utf8()).data[0]!],
    }));
    expect(plainLogfmtServices([plain])).toEqual(["db", "pay"]);
    const dictionaryType = new Dictionary(new Utf8(), new Int32());
    const dictFields = [fields[0]!, new Field("service_name", dictionaryType, true)];
    const entries = vectorFromArray(["pay", "web", "db"], new Utf8());
    const dict = (indices: number[]) => new RecordBatch(new Schema(dictFields), makeData({
      type: new Struct(dictFields), length: 6, nullCount: 0,
      children: [vectorFromArray(bodies, new Utf8()).data[0]!, makeData({ type: dictionaryType, length: 6, nullCount: 0, data: Int32Array.from(indices), dictionary: entries })],
    }));
    expect(plainLogfmtServices([dict([0, 1, 1, 1, 2, 0])])).toEqual(["db", "pay"]);
    // Across batches, one line that is not plain takes the service out.
    expect(plainLogfmtServices([plain, dict([2, 2, 2, 2, 2, 2])])).toEqual(["pay"]);
  });
});
