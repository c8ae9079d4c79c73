import { describe, expect, test } from "bun:test";
import { searchJobs, searchQuery, streamSearch, type SearchResponseMessage } from "./search-stream.ts";

describe("searchJobs", () => {
  test("newest 15 minutes first, then ×4 wider, down to the start", () => {
    const end = 100_000;
    const jobs = searchJobs(end - 3 * 3600, end);
    expect(jobs).toEqual([
      { start: end - 900, end },
      { start: end - 900 - 3600, end: end - 900 },
      { start: end - 3 * 3600, end: end - 4500 },
    ]);
  });

  test("one job without both bounds or for an empty range", () => {
    expect(searchJobs(undefined, 10)).toEqual([{ start: undefined, end: 10 }]);
    expect(searchJobs(10, 10)).toEqual([{ start: 10, end: 10 }]);
  });
});

describe("searchQuery", () => {
  test("Tempo's SearchRequest fields as /api/search parameters", () => {
    const params = searchQuery({ Query: "{}", Tags: { "service.name": 'a "b"' }, MinDurationMs: 5, MaxDurationMs: 0, Limit: 7, SpansPerSpanSet: 2 });
    expect(Object.fromEntries(params)).toEqual({ q: "{}", tags: 'service.name="a \\"b\\""', minDuration: "5ms", limit: "7", spss: "2" });
  });

  test("a tag name logfmt cannot carry is INVALID_ARGUMENT", () => {
    expect(() => searchQuery({ Tags: { "a b": "x" } })).toThrow(/invalid tag name/);
  });
});

describe("streamSearch", () => {
  test("each trace once, the newest jobs first, stopping at the limit", async () => {
    const answers = [["a", "b"], ["b", "c"], ["d"]];
    const asked: string[] = [];
    const fetchLocal = (request: Request) => {
      asked.push(new URL(request.url).searchParams.get("start")!);
      const traceIDs = answers[asked.length - 1]!;
      return Response.json({ traces: traceIDs.map((traceID) => ({ traceID })), metrics: { inspectedTraces: 2, inspectedBytes: "10" } });
    };
    const sent: SearchResponseMessage[] = [];
    await streamSearch({ Limit: 3, start: 1, end: 10_000 }, fetchLocal, new Headers(), (m) => sent.push(m), new AbortController().signal);
    expect(sent.map((m) => m.traces.map((t) => t.traceID))).toEqual([["a", "b"], ["c"]]);
    expect(asked).toHaveLength(2);
    expect(sent.at(-1)!.metrics).toEqual({ inspectedTraces: 4, inspectedBytes: "20", inspectedSpans: "0", completedJobs: 2, totalJobs: 2 });
    expect(sent[0]!.metrics.totalJobs).toBe(3);
  });

  test("an HTTP error answer becomes the gRPC status of the call", async () => {
    const fetchLocal = () => Response.json({ error: "org limit", status: 429 }, { status: 429 });
    const err = await streamSearch({}, fetchLocal, new Headers(), () => {}, new AbortController().signal).catch((e) => e);
    expect({ code: err.code, details: err.details }).toEqual({ code: 8, details: "org limit" });
  });
});
