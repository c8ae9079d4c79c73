import { describe, expect, test } from "bun:test";
import { QueryError } from "../errors.ts";
import {
  evaluateLogQL, LogQLError, LogQLLimitError, longestRangeNs, matchesLineFilters, MemoryLogSource, parseLogQL, refuseLongRange,
} from "./index.ts";
import type { LogQLParams, LogSelectRequest } from "./index.ts";

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;

function source(count = 10) {
  return new MemoryLogSource([
    {
      labels: { service_name: "api" },
      entries: Array.from({ length: count }, (_, i) => ({
        timestampNs: T0 + BigInt(i) * S,
        line: i % 2 === 0 ? `level=error status=500 n=${i}` : `level=info status=200 n=${i}`,
        metadata: { trace_id: `t${i}` },
      })),
    },
  ]);
}

const logParams: LogQLParams = { startNs: T0, endNs: T0 + 100n * S, limit: 3, direction: "backward" };

describe("what the source is asked", () => {
  const lastRequest = async (query: string): Promise<LogSelectRequest> => {
    const src = source();
    await evaluateLogQL(src, query, logParams);
    return src.requests.at(-1) as LogSelectRequest;
  };

  test("leading plain line filters and the limit go down when nothing else follows", async () => {
    const r = await lastRequest('{service_name="api"} |= "error" !~ "n=[02]"');
    expect(r.lineFilters).toEqual([{ op: "|=", value: "error" }, { op: "!~", value: "n=[02]" }]);
    expect(r.limit).toBe(3);
    expect(r.matchers).toEqual([{ name: "service_name", op: "=", value: "api" }]);
    expect([r.startNs, r.endNs, r.direction]).toEqual([T0, T0 + 100n * S, "backward"]);
  });

  test("pages when a later stage may drop entries; only leading plain filters are hints", async () => {
    const r = await lastRequest('{service_name="api"} |= "error" or "warn" |= "status" | logfmt |= "n=4"');
    expect(r.lineFilters).toEqual([{ op: "|=", value: "status" }]);
    expect(r.limit).toBe(1000);
  });

  test("metric queries read the windows' span, left-open", async () => {
    const src = source();
    await evaluateLogQL(src, 'count_over_time({service_name="api"}[5s] offset 2s)', { ...logParams, startNs: T0 + 10n * S, endNs: T0 + 20n * S, stepNs: 5n * S });
    const r = src.requests[0] as LogSelectRequest;
    expect([r.startNs, r.endNs, r.direction]).toEqual([T0 + 3n * S + 1n, T0 + 18n * S + 1n, "forward"]);
  });

  test("matchesLineFilters serves sources that cannot push filters down", () => {
    const hints = [{ op: "|=", value: "err" }, { op: "!~", value: "n=\\d{2}" }] as const;
    expect(matchesLineFilters("level=error n=4", hints)).toBe(true);
    expect(matchesLineFilters("level=error n=14", hints)).toBe(false);
    expect(matchesLineFilters("level=info n=4", hints)).toBe(false);
  });
});

describe("log queries", () => {
  test("limit and direction over the result, labels in three categories", async () => {
    const r = await evaluateLogQL(source(), '{service_name="api"} | logfmt | level="error"', logParams);
    if (r.resultType !== "streams") throw new Error(r.resultType);
    expect(r.entries.map((e) => e.line)).toEqual(["level=error status=500 n=8", "level=error status=500 n=6", "level=error status=500 n=4"]);
    expect(r.entries[0]).toMatchObject({
      stream: { service_name: "api" },
      structuredMetadata: { trace_id: "t8" },
      parsed: { level: "error", status: "500", n: "8" },
    });
  });
});

describe("log queries read in pages when stages may drop entries", () => {
  // Two streams with entries at the same instants (ties across streams), five per second.
  const tied = () =>
    new MemoryLogSource(
      ["a", "b"].map((pod) => ({
        labels: { service_name: "api", pod },
        entries: Array.from({ length: 3000 }, (_, i) => ({ timestampNs: T0 + (BigInt(i) * S) / 5n, line: `n=${i} pod=${pod}`, metadata: {} })),
      })),
    );
  const params = (limit: number, direction: "forward" | "backward"): LogQLParams => ({ startNs: T0, endNs: T0 + 600n * S, limit, direction });
  const lines = (r: Awaited<ReturnType<typeof evaluateLogQL>>) => (r.resultType === "streams" ? r.entries.map((e) => e.line) : []);

  for (const direction of ["backward", "forward"] as const) {
    test(`${direction}: the same entries as one read, from only the pages needed`, async () => {
      const kept = (n: number) => /[05]$/.test(String(n)) || n > 2990 || n < 10;
      const order = Array.from({ length: 3000 }, (_, i) => i).filter(kept);
      if (direction === "backward") order.reverse();
      // Both streams keep an instant's entries alike, so an even limit never splits a tie.
      for (const limit of [2, 150, 400, 2000]) {
        const src = tied();
        const got = await evaluateLogQL(src, '{service_name="api"} | logfmt | n =~ ".*[05]" or n > 2990 or n < 10', params(limit, direction));
        const want = order.slice(0, limit / 2).flatMap((n) => [`n=${n} pod=a`, `n=${n} pod=b`]);
        expect(lines(got).length).toBe(want.length);
        expect(new Set(lines(got))).toEqual(new Set(want));
        if (limit <= 150) expect(src.requests.length).toBeLessThanOrEqual(2);
      }
    });
  }

  test("a page of one instant grows until the instant fits", async () => {
    const burst = new MemoryLogSource([
      { labels: { service_name: "api" }, entries: Array.from({ length: 2500 }, (_, i) => ({ timestampNs: T0 + 5n * S, line: `n=${i}`, metadata: {} })) },
    ]);
    const r = await evaluateLogQL(burst, '{service_name="api"} | logfmt | n >= 2490', { startNs: T0, endNs: T0 + 10n * S, limit: 100, direction: "backward" });
    expect(lines(r).length).toBe(10);
  });
});

describe("bounds", () => {
  test("maxSamples refuses a metric query past it with a 422", async () => {
    const err = await evaluateLogQL(source(5000), 'count_over_time({service_name="api"}[1h])', { ...logParams, maxSamples: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(LogQLLimitError);
    expect((err as QueryError).status).toBe(422);
    expect((err as Error).message).toContain("max_samples");
  });

  test("an aborted signal stops the query", async () => {
    const controller = new AbortController();
    controller.abort(new DOMException("stop", "TimeoutError"));
    const err = await evaluateLogQL(source(), '{service_name="api"}', { ...logParams, signal: controller.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).message).toBe("query timed out");
  });

  test("a range longer than allowed is refused with both figures", async () => {
    const expr = parseLogQL('sum(rate({a="b"}[1y])) / sum(rate({a="b"}[5m] offset 1d))');
    expect(longestRangeNs(expr)).toBe(365n * 24n * 3600n * S);
    expect(() => refuseLongRange(expr, 30n * 24n * 3600n * S)).toThrow("the query's range [365d] is longer than the 30d allowed");
    const err = await evaluateLogQL(source(), 'count_over_time({a="b"}[1y])', { ...logParams, maxRangeNs: 30n * 24n * 3600n * S }).catch((e) => e);
    expect((err as QueryError).status).toBe(422);
  });

  test("regexes that would run away are refused at parse time, naming the position", () => {
    for (const q of ['{a="b"} |~ "(a+)+$"', '{a="b"} |~ "(a|aa)*c"', '{a="b"} | regexp "(?P<x>(\\\\w*)*)"', '{a=~"(x+x+)+y"}']) {
      const err = (() => {
        try {
          parseLogQL(q);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(LogQLError);
      expect((err as LogQLError).message).toContain("could run away");
      expect((err as LogQLError).status).toBe(400);
    }
  });

  test("a bad step or time range is a 400", async () => {
    const q = 'count_over_time({a="b"}[1m])';
    await expect(evaluateLogQL(source(), q, { ...logParams, stepNs: 0n })).rejects.toThrow("zero or negative query resolution step");
    await expect(evaluateLogQL(source(), q, { ...logParams, startNs: T0 + S, endNs: T0, stepNs: S })).rejects.toThrow("end timestamp must not be before start time");
    await expect(evaluateLogQL(source(), q, { ...logParams, startNs: T0, endNs: T0 + 86_400n * S, stepNs: 1n })).rejects.toThrow("exceeded maximum resolution of 11,000 points");
  });
});

describe("grouped sample reads (LogSource.selectSamples)", () => {
  const streams: { labels: Record<string, string>; entries: { timestampNs: bigint; line: string; metadata: Record<string, string> }[] }[] = [
    { labels: { service_name: "a", level: "error" }, entries: [1, 5, 30, 61].map((s) => ({ timestampNs: T0 + BigInt(s) * S, line: `e${s} ünï`, metadata: { detected_level: "error" } })) },
    { labels: { service_name: "b" }, entries: [2, 40, 60, 90].map((s) => ({ timestampNs: T0 + BigInt(s) * S, line: `i${s}`, metadata: { detected_level: s > 50 ? "warn" : "info" } })) },
  ];
  const range = { startNs: T0, endNs: T0 + 120n * S, stepNs: 15n * S, limit: 10, direction: "backward" as const };

  test.each([
    'sum by (level, detected_level) (count_over_time({service_name=~"a|b"} | drop __error__ [30s]))',
    'sum by (detected_level) (bytes_rate({service_name=~".+"} |= "e" [1m]))',
    'sum by (service_name) (rate({service_name=~".+"}[45s] offset 10s))',
  ])("%s answers the same with and without the source's grouping", async (query) => {
    const grouping = new MemoryLogSource(streams);
    const plain = new MemoryLogSource(streams);
    const entriesOnly = { select: plain.select.bind(plain) };
    const grouped = await evaluateLogQL(grouping, query, range);
    expect(grouping.requests.some((r) => "groupBy" in r)).toBe(true);
    expect(grouped).toEqual(await evaluateLogQL(entriesOnly, query, range));
    expect((grouped as { result: unknown[] }).result.length).toBeGreaterThan(0);
  });

  test("a query with a stage after the filters reads entries", async () => {
    const src = new MemoryLogSource(streams);
    await evaluateLogQL(src, 'sum by (level) (count_over_time({service_name="a"} | logfmt [1m]))', range);
    expect(src.requests.every((r) => !("groupBy" in r))).toBe(true);
  });
});
