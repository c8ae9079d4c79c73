import { describe, expect, test } from "bun:test";
import { MemorySeriesSource } from "../../series/matchers.ts";
import type { RawSeries } from "../../series/types.ts";
import { evaluateInstant, evaluateRange, formatValue, parsePromQL, PromQLError } from "./index.ts";

const times = Float64Array.from({ length: 41 }, (_, i) => i * 15_000);
const series = (labels: Record<string, string>, f: (i: number) => number): RawSeries => ({
  labels,
  timestampsMs: times,
  values: times.map((_, i) => f(i)),
});
const source = new MemorySeriesSource([
  series({ __name__: "req_total", job: "api", instance: "a" }, (i) => i * 10),
  series({ __name__: "req_total", job: "api", instance: "b" }, (i) => i * 20),
  series({ __name__: "up", job: "api", instance: "a" }, () => 1),
  series({ __name__: "up", job: "api", instance: "b" }, () => 0),
]);

async function errorOf(p: Promise<unknown>): Promise<PromQLError> {
  try {
    await p;
  } catch (e) {
    return e as PromQLError;
  }
  throw new Error("expected an error");
}

describe("parser", () => {
  test("offset, @ and subqueries land on the selector they modify", () => {
    const e = parsePromQL("rate(x[5m] offset 1m @ 100)");
    expect(e).toMatchObject({ type: "Call", args: [{ type: "MatrixSelector", rangeMs: 300_000, selector: { offsetMs: 60_000, at: { kind: "time", ms: 100_000 } } }] });
    expect(parsePromQL("max_over_time(x[10m:30s] offset -5m)")).toMatchObject({ args: [{ type: "Subquery", rangeMs: 600_000, stepMs: 30_000, offsetMs: -300_000 }] });
  });

  test("postfix modifiers bind to the operand right before them", () => {
    expect(parsePromQL("a + b offset 1m")).toMatchObject({ type: "Binary", lhs: { offsetMs: 0 }, rhs: { offsetMs: 60_000 } });
    expect(parsePromQL("a * -b offset 1m")).toMatchObject({ rhs: { type: "Unary", expr: { offsetMs: 60_000 } } });
    expect(() => parsePromQL("a + b[5m]")).toThrow(/binary expression must contain only scalar and instant vector types/);
  });

  test("power binds tighter than unary minus", async () => {
    expect(await evaluateInstant(source, "-1 ^ 2", 0)).toEqual({ resultType: "scalar", result: [0, "-1"] });
  });

  test("holt_winters is known under its 2.x name", () => {
    expect(parsePromQL("holt_winters(x[5m], 0.5, 0.5)")).toMatchObject({ type: "Call", func: "holt_winters" });
  });

  test("errors name the position and what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["sum(rate(x[5m])", /^1:16: parse error: unexpected end of input/],
      ["rate(x)", /^1:6: parse error: expected type range vector in call to function "rate", got instant vector/],
      ['{__name__=~".*"}', /vector selector must contain at least one non-empty matcher/],
      ["1 > 2", /comparisons between scalars must use BOOL modifier/],
      ["x offset 1m offset 2m", /offset may not be set multiple times/],
      ["foo 1m", /unexpected/],
      ["x and 1", /set operator "and" not allowed in binary scalar expression/],
    ];
    for (const [q, message] of cases) {
      let caught: unknown;
      try {
        parsePromQL(q);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(PromQLError);
      expect((caught as PromQLError).errorType).toBe("bad_data");
      expect((caught as Error).message).toMatch(message);
    }
  });
});

describe("evaluation", () => {
  test("instant vector answers carry Prometheus's shape and value strings", async () => {
    expect(await evaluateInstant(source, "sum by (job) (rate(req_total[1m]))", 600_000)).toEqual({
      resultType: "vector",
      result: [{ metric: { job: "api" }, value: [600, "2"] }],
    });
  });

  test("range queries return every step of every series, names dropped where PromQL drops them", async () => {
    const r = await evaluateRange(source, "up * 2", 300_000, 360_000, 30_000);
    expect(r).toEqual({
      resultType: "matrix",
      result: [
        { metric: { instance: "a", job: "api" }, values: [[300, "2"], [330, "2"], [360, "2"]] },
        { metric: { instance: "b", job: "api" }, values: [[300, "0"], [330, "0"], [360, "0"]] },
      ],
    });
  });

  test("one select per selector, widened by lookback and range", async () => {
    const src = new MemorySeriesSource([]);
    await evaluateRange(src, "rate(x[5m]) + y offset 1m", 1_000_000, 2_000_000, 60_000);
    expect(src.selects.map((s) => [s.startMs, s.endMs])).toEqual([[700_000, 1_960_000], [640_000, 1_900_000]]);
  });

  test("the lookback delta decides how old a sample an instant selector still sees", async () => {
    const at = 600_000 + 14_000;
    expect(await evaluateInstant(source, "count(up)", at)).toMatchObject({ result: [{ value: [614, "2"] }] });
    expect(await evaluateInstant(source, "count(up)", at, { lookbackDeltaMs: 10_000 })).toMatchObject({ result: [] });
  });

  test("the sample limit fails the query with an execution error", async () => {
    const e = await errorOf(evaluateRange(source, "req_total", 0, 600_000, 15_000, { maxSamples: 50 }));
    expect(e.errorType).toBe("execution");
    expect(e.httpStatus).toBe(422);
  });

  test("a subquery whose grid alone passes the limit fails before it is built", async () => {
    const e = await errorOf(evaluateInstant(source, "max_over_time(up[1y:1s])", 600_000, { maxSamples: 1_000_000 }));
    expect(e.errorType).toBe("execution");
  });

  test("an aborted query answers timeout", async () => {
    const signal = AbortSignal.abort(new DOMException("timed out", "TimeoutError"));
    const e = await errorOf(evaluateInstant(source, "up", 0, { signal }));
    expect([e.errorType, e.httpStatus]).toEqual(["timeout", 503]);
  });

  test("many-to-many matches are an execution error", async () => {
    const e = await errorOf(evaluateInstant(source, "up + on(job) req_total", 300_000));
    expect(e.errorType).toBe("execution");
    expect(e.message).toMatch(/many-to-many matching not allowed/);
  });

  test("a range query over a range vector is bad_data", async () => {
    expect((await errorOf(evaluateRange(source, "up[5m]", 0, 60_000, 15_000))).errorType).toBe("bad_data");
  });
});

test("values print as Go's strconv 'f' -1", () => {
  expect([1e21, 1e-7, 0.1, -0, 123456789012345680000, Infinity, -Infinity, NaN, 1.5].map(formatValue)).toEqual([
    "1000000000000000000000", "0.0000001", "0.1", "-0", "123456789012345680000", "+Inf", "-Inf", "NaN", "1.5",
  ]);
});

describe("literals and templates", () => {
  test("numbers and durations read as Prometheus 2.x reads them", async () => {
    const { parseNumber, parseDuration } = await import("./literals.ts");
    expect([parseNumber("0x3d"), parseNumber("010"), parseNumber(".5e1"), parseNumber("INF"), parseNumber("1_0")]).toEqual([61, 8, 5, Infinity, undefined]);
    expect([parseDuration("1h30m"), parseDuration("1y"), parseDuration("90"), parseDuration("1m1h")]).toEqual([5_400_000, 31_536_000_000, undefined, undefined]);
  });

  test("strings unquote Go escapes; raw strings keep backslashes", async () => {
    const { unquote } = await import("./literals.ts");
    expect(unquote('"a\\tb\\u00e9\\x41"')).toEqual({ value: "a\tbéA" });
    expect(unquote("`a\\d`")).toEqual({ value: "a\\d" });
    expect(unquote('"open')).toEqual({ error: "unterminated quoted string" });
  });

  test("label_replace templates expand as Go's regexp.Expand", async () => {
    const { expandTemplate } = await import("./template.ts");
    const m = /^(?<host>[a-z]+):(\d+)$/.exec("web:8080")!;
    expect(expandTemplate("$1-$2", m)).toBe("web-8080");
    expect(expandTemplate("${host}x $hostx $$ $", m)).toBe("webx  $ $");
    expect(expandTemplate("$1x", m)).toBe("");
  });
});
