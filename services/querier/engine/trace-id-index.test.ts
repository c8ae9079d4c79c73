/**
 * The trace-id index decides which files a trace by id / search evaluation opens: it must
 * never leave out a file that holds a wanted trace, and should leave out the others.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { openDuckDB, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { parseTicket } from "../../../shared/query/index.ts";
import { spansBatch, tempDir, writeParquet, type SpanSpec } from "../../../test/helpers/query-fixtures.ts";
import { QueryEngine } from "./index.ts";
import { idKey, TraceIdIndex } from "./trace-id-index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const sid = (n: number) => n.toString(16).padStart(16, "0");
/** Random W3C-style trace ids (deterministic per n). */
const randomId = (n: number) => {
  const h = (x: number) => (Math.imul(x ^ 0x9e3779b9, 0x85ebca6b) >>> 0).toString(16).padStart(8, "0");
  return h(n) + h(n + 1e6) + h(n + 2e6) + h(n + 3e6);
};
/** A 64-bit id as Tempo pads it: 16 zeros, then 16 random hex digits. */
const paddedId = (n: number) => "0".repeat(16) + randomId(n).slice(16);

const tmp = tempDir("sbx-trace-index-");
let db: DuckDBHandle;
/** files[i] holds traces `ofFile[i]`; trace `shared` is split across files 0 and 2. */
const files: string[] = [];
const ofFile: string[][] = [];
const shared = randomId(999);
let odd = "";

const span = (traceId: string, n: number, extra: Partial<SpanSpec> = {}): SpanSpec => ({
  traceId, spanId: sid(n), name: "op", startNs: T0 + BigInt(n) * 1_000_000n, durationNs: 1_000n, service: "svc", ...extra,
});

beforeAll(async () => {
  db = await openDuckDB();
  let n = 0;
  for (let f = 0; f < 4; f++) {
    const ids = Array.from({ length: 50 }, (_, i) => (f % 2 === 0 ? randomId(f * 100 + i) : paddedId(f * 100 + i)));
    const spans = ids.flatMap((id) => [span(id, ++n), span(id, ++n, { parentSpanId: sid(n - 1) })]);
    if (f === 0 || f === 2) spans.push(span(shared, ++n, f === 0 ? {} : { parentSpanId: sid(1) }));
    files.push(await writeParquet(tmp.dir, "traces", [spansBatch(spans)]));
    ofFile.push(f === 0 || f === 2 ? [...ids, shared] : ids);
  }
  // A file with an id that is not hex cannot be indexed: always read.
  odd = await writeParquet(tmp.dir, "traces", [spansBatch([span("not-a-hex-trace-id", ++n), span(randomId(5000), ++n)])]);
});

afterAll(() => {
  db.close();
  tmp.cleanup();
});

describe("trace-id index", () => {
  test("keeps every file holding the trace and only those (padded and random ids)", async () => {
    const index = new TraceIdIndex();
    for (let f = 0; f < files.length; f++) {
      for (const id of ofFile[f]!) {
        const held = await index.filesHolding(db.connection, files, [id]);
        const expected = files.filter((_, g) => ofFile[g]!.includes(id));
        expect(held).toEqual(expected);
      }
    }
    expect(await index.filesHolding(db.connection, files, [shared])).toEqual([files[0]!, files[2]!]);
  });

  test("several ids: the union of their files, in the given order", async () => {
    const index = new TraceIdIndex();
    const reversed = [...files].reverse();
    expect(await index.filesHolding(db.connection, reversed, [ofFile[3]![7]!, ofFile[1]![0]!])).toEqual([files[3]!, files[1]!]);
    expect(await index.filesHolding(db.connection, files, [randomId(123_456)])).toEqual([]);
  });

  test("a file with a non-hex id is always kept; an id without 16 hex digits keeps every file", async () => {
    const index = new TraceIdIndex();
    const all = [...files, odd];
    expect(await index.filesHolding(db.connection, all, [ofFile[2]![3]!])).toEqual([files[2]!, odd]);
    expect(await index.filesHolding(db.connection, all, ["not-a-hex-trace-id"])).toEqual(all);
    expect(idKey("abc")).toBeUndefined();
    expect(idKey(paddedId(1))).toBe(BigInt(`0x${paddedId(1).slice(16)}`));
  });

  test("indexes a bounded number of new files per call, keeping the others until their turn", async () => {
    const index = new TraceIdIndex(undefined, 2);
    const wanted = ofFile[3]![1]!;
    expect(await index.filesHolding(db.connection, files, [wanted])).toEqual([files[2]!, files[3]!]);
    expect(await index.filesHolding(db.connection, files, [wanted])).toEqual([files[3]!]);
  });

  test("past its size bound it evicts the least recently used files and still answers right", async () => {
    const index = new TraceIdIndex(120);
    for (let round = 0; round < 2; round++) {
      for (let f = 0; f < files.length; f++) {
        expect(await index.filesHolding(db.connection, files, [ofFile[f]![round]!])).toContain(files[f]!);
      }
    }
  });
});

describe("engine with the index", () => {
  test("trace by id: all spans of a trace split across files and live rows", async () => {
    const engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
    try {
      const live = [spansBatch([span(shared, 90_000, { parentSpanId: sid(1) })])];
      const run = async (traceId: string) => {
        const table = await engine.execute(parseTicket({ kind: "trace_by_id", org: "o", bucket: "b", traceId }), { files: [...files, odd], live });
        return table.toArray().map((r) => r.toJSON().span_id as string);
      };
      expect((await run(shared)).length).toBe(3);
      expect(await run(ofFile[1]![4]!)).toHaveLength(2);
      expect(await run(randomId(123_456))).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
