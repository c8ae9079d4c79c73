/**
 * Newest-first search (search-plan.ts) must give the same answer as evaluating every trace:
 * here the newest matching SPANS belong to an old, long trace, so the first candidate round
 * is not enough and the plan has to widen; and the hive `date` / `hour` folders never show.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../../../shared/log/index.ts";
import { parseTicket } from "../../../shared/query/index.ts";
import { spansBatch, tempDir, writeParquet, type SpanSpec } from "../../../test/helpers/query-fixtures.ts";
import { QueryEngine } from "./index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const SEC = 1_000_000_000n;
const tid = (n: number) => n.toString(16).padStart(32, "0");
const sid = (n: number) => n.toString(16).padStart(16, "0");

let engine: QueryEngine;
const tmp = tempDir("sbx-search-plan-");
let files: string[] = [];

beforeAll(async () => {
  engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
  const spans: SpanSpec[] = [];
  // Trace 1: starts first (t=0), but has 200 matching spans at the very end (t=1000 s).
  spans.push({ traceId: tid(1), spanId: sid(1), name: "root", startNs: T0, durationNs: 1001n * SEC, service: "a" });
  for (let i = 0; i < 200; i++) {
    spans.push({ traceId: tid(1), spanId: sid(1000 + i), parentSpanId: sid(1), name: "late", startNs: T0 + 1000n * SEC + BigInt(i), durationNs: 1n, service: "a", attributes: { hit: "yes" } });
  }
  // Traces 2..11: start at t = 100..109 s, one matching span each.
  for (let n = 2; n <= 11; n++) {
    spans.push({ traceId: tid(n), spanId: sid(n), name: "root", startNs: T0 + BigInt(98 + n) * SEC, durationNs: SEC, service: "b", attributes: { hit: "yes" } });
  }
  // Traces 100..119: the later a trace starts, the EARLIER its one matching span (at t = 2000 s
  // on): the newest candidate spans belong to the oldest of these traces.
  for (let i = 0; i < 20; i++) {
    const n = 100 + i;
    spans.push({ traceId: tid(n), spanId: sid(n), name: "root", startNs: T0 + BigInt(1500 + i) * SEC, durationNs: 600n * SEC, service: "c" });
    spans.push({
      traceId: tid(n), spanId: sid(n + 5000), parentSpanId: sid(n), name: "step", startNs: T0 + BigInt(2019 - i) * SEC,
      durationNs: SEC, service: "c", attributes: { late: "yes" },
    });
  }
  // Hive-style folders, as the writer lays files out.
  const dir = join(tmp.dir, "date=2025-03-01", "hour=00");
  mkdirSync(dir, { recursive: true });
  files = [await writeParquet(dir, "traces", [spansBatch(spans)])];
});

afterAll(async () => {
  await engine.close();
  tmp.cleanup();
});

const search = async (extra: Record<string, unknown>) => {
  const table = await engine.execute(parseTicket({ kind: "search", org: "o", bucket: "b", ...extra }), { files, live: [] });
  return table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
};

describe("newest-first search", () => {
  test("a trace whose matching spans are newest but which starts oldest does not push newer traces out", async () => {
    const rows = await search({ q: '{ span.hit = "yes" }', limit: 3 });
    expect(rows.map((r) => r.trace_id)).toEqual([tid(11), tid(10), tid(9)]);
  });

  test("all matches, exact start / duration / matched count over every span", async () => {
    const rows = await search({ q: '{ span.hit = "yes" }', limit: 20 });
    expect(rows.map((r) => r.trace_id)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map(tid));
    const t1 = rows.at(-1)!;
    expect(t1.start_time_unix_nano).toBe(T0);
    expect(t1.duration_nano).toBe(1001n * SEC);
    expect(JSON.parse(t1.span_sets as string)[0].matched).toBe(200);
  });

  test("the first traces evaluated (newest candidate spans) start too early: more are evaluated, none is missed", async () => {
    // Conditions on the attribute JSON, on the legacy tags, and on plain columns only.
    for (const extra of [{ q: '{ span.late = "yes" }' }, { tags: { late: "yes" } }, { q: '{ name = "step" && duration >= 1s }' }]) {
      const rows = await search({ ...extra, limit: 2 });
      expect(rows.map((r) => r.trace_id)).toEqual([tid(119), tid(118)]);
    }
  });

  test("no match at all", async () => {
    expect(await search({ q: '{ span.hit = "no" }' })).toEqual([]);
  });
});

/**
 * Only some candidate traces match (the tag checked per span is on every trace, the service
 * on few): the plan widens in steps sized by the hit rate so far and starts each candidate
 * round past the traces already evaluated; the answer must stay the newest matches exactly,
 * whether the hits are spread evenly or all sit among the oldest candidates.
 */
describe("sparse matches among the candidates", () => {
  let sparse: string[] = [];
  beforeAll(async () => {
    const spans: SpanSpec[] = [];
    for (let n = 0; n < 300; n++) {
      const service = n % 15 === 0 ? "checkout" : n < 40 && n % 4 === 0 ? "billing" : "other";
      spans.push({ traceId: tid(10_000 + n), spanId: sid(10_000 + n), name: "root", startNs: T0 + BigInt(n) * SEC, durationNs: SEC, service });
      spans.push({
        traceId: tid(10_000 + n), spanId: sid(20_000 + n), parentSpanId: sid(10_000 + n), name: "child", startNs: T0 + BigInt(n) * SEC + 1n,
        durationNs: 1n, service: "other", attributes: { hit: "yes" },
      });
    }
    sparse = [await writeParquet(tmp.dir, "traces", [spansBatch(spans)])];
  });

  const newest = (match: (n: number) => boolean, limit: number) =>
    Array.from({ length: 300 }, (_, i) => 299 - i).filter(match).slice(0, limit).map((n) => tid(10_000 + n));

  for (const [service, match] of [["checkout", (n: number) => n % 15 === 0], ["billing", (n: number) => n < 40 && n % 4 === 0 && n % 15 !== 0]] as const) {
    for (const limit of [1, 5, 20, 25]) {
      test(`${service}, limit ${limit}: the newest matches`, async () => {
        const table = await engine.execute(
          parseTicket({ kind: "search", org: "o", bucket: "b", tags: { "service.name": service, hit: "yes" }, limit }),
          { files: sparse, live: [] },
        );
        expect(table.toArray().map((r) => r.toJSON().trace_id)).toEqual(newest(match, limit));
      });
    }
  }
});

describe("source view", () => {
  test("hive folders add no date / hour columns", async () => {
    const table = await engine.execute(
      parseTicket({ kind: "sql", org: "o", bucket: "b", sql: "SELECT * FROM traces LIMIT 1" }),
      { traces: { files, live: [] } },
    );
    expect(table.schema.fields.map((f) => f.name)).not.toContain("date");
    expect(table.schema.fields.map((f) => f.name)).not.toContain("hour");
  });
});
