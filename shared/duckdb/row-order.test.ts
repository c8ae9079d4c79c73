import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { Dictionary, Int32, Int64, makeData, RecordBatch, Schema, Field, Struct, Utf8, vectorFromArray } from "apache-arrow";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";
import { rankedRowOrder } from "./ranked-row-order.ts";
import { comparedRowOrder, sortRowOrder } from "./row-order.ts";
import { keyColumn } from "./sort-keys.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** Texts whose UTF-8 byte order differs from JS's UTF-16 order, prefixes, empties. */
const TEXTS = ["", "a", "ab", "ab\0", "b", "é", "\u00ff", "\uffff", "😀", "z", "Ω"];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** A batch of dictionary columns `name` and `service` and an Int64 `time`; `spread` picks how far times reach. */
function batch(rand: () => number, rows: number, spread: bigint): RecordBatch {
  const dict = (n: number) => vectorFromArray(Array.from({ length: rows }, () => TEXTS[Math.floor(rand() * n)]!), new Dictionary(new Utf8(), new Int32()));
  const base = BigInt(Math.floor(rand() * 1e6)) * 1_000_000n;
  const times = Array.from({ length: rows }, () => {
    if (spread === 0n) return base + BigInt(Math.floor(rand() * 4)); // many ties
    const word = () => BigInt(Math.floor(rand() * 2 ** 32));
    if (spread >= 2n ** 63n) return BigInt.asIntN(64, (word() << 32n) | word());
    return BigInt(Math.floor(rand() * 2 ** 31)) * (spread / 2n ** 31n + 1n) * (rand() < 0.5 ? -1n : 1n);
  });
  const columns = { name: dict(TEXTS.length), service: dict(3), time: vectorFromArray(times, new Int64()) };
  const schema = new Schema(Object.entries(columns).map(([n, v]) => new Field(n, v.type, false)));
  const data = makeData({ type: new Struct(schema.fields), length: rows, children: Object.values(columns).map((v) => v.data[0]!) });
  return new RecordBatch(schema, data);
}

describe("sortRowOrder's ranked path", () => {
  const cases: Array<[string, bigint]> = [["ties", 0n], ["milliseconds over hours", 6n * 3_600_000_000_000n], ["the whole int64 range", 2n ** 63n]];
  for (const [name, spread] of cases) {
    test(`gives the comparison sort's order exactly: ${name}`, () => {
      const rand = random(Number(spread % 1000n) + 7);
      const batches = [batch(rand, 3000, spread), batch(rand, 1, spread), batch(rand, 0, spread), batch(rand, 2500, spread).slice(7, 2400)];
      const keys = ["name", "service", "time"].map((c) => keyColumn(batches, c));
      const ranked = rankedRowOrder(batches, keys);
      expect(ranked).toBeDefined();
      expect(ranked).toEqual(comparedRowOrder(batches, keys));
      expect(sortRowOrder(batches, ["name", "service", "time"])).toEqual(ranked!);
      // One key, and the time alone.
      const byTime = [keyColumn(batches, "time")];
      expect(rankedRowOrder(batches, byTime)).toEqual(comparedRowOrder(batches, byTime));
    });
  }

  test("more distinct times than ranks take (time digits): still the comparison sort's order", () => {
    const rand = random(11);
    const batches = [batch(rand, 40_000, 2n ** 40n), batch(rand, 30_000, 2n ** 40n)];
    const keys = ["name", "service", "time"].map((c) => keyColumn(batches, c));
    expect(rankedRowOrder(batches, keys)).toEqual(comparedRowOrder(batches, keys));
  });

  test("is not taken for plain text keys or a text last key", () => {
    const rand = random(3);
    const b = batch(rand, 50, 1000n);
    const names = vectorFromArray(Array.from({ length: 50 }, (_, i) => TEXTS[i % TEXTS.length]!), new Utf8());
    const plain = new RecordBatch({ name: names.data[0]!, time: b.getChild("time")!.data[0]! });
    expect(rankedRowOrder([plain], ["name", "time"].map((c) => keyColumn([plain], c)))).toBeUndefined();
    expect(rankedRowOrder([b], ["time", "name"].map((c) => keyColumn([b], c)))).toBeUndefined();
    expect(sortRowOrder([plain], ["name", "time"])).toEqual(comparedRowOrder([plain], ["name", "time"].map((c) => keyColumn([plain], c))));
  });
});
