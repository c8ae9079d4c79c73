import { describe, expect, test } from "bun:test";
import type { LogQuery, MetricExpr } from "./index.ts";
import { EMPTY_COMPATIBLE_SELECTOR, LogQLError, logQueriesOf, parseLogQL, requireNarrowingMatcher } from "./index.ts";

function errorOf(q: string): LogQLError {
  try {
    parseLogQL(q);
  } catch (err) {
    if (err instanceof LogQLError) return err;
    throw err;
  }
  throw new Error(`expected ${q} to fail`);
}

const log = (q: string) => parseLogQL(q) as LogQuery;
const metric = (q: string) => parseLogQL(q) as MetricExpr;

/** A metric expression printed with explicit parentheses, to check precedence. */
function shape(e: MetricExpr): string {
  switch (e.kind) {
    case "binary":
      return `(${shape(e.lhs)} ${e.op} ${shape(e.rhs)})`;
    case "literal":
      return String(e.value);
    case "vector":
      return `vector(${e.value})`;
    case "range_aggregation":
      return e.op;
    case "vector_aggregation":
      return `${e.op}(${shape(e.expr)})`;
    case "label_replace":
      return `label_replace(${shape(e.expr)})`;
  }
}

describe("LogQL parser: log queries", () => {
  test("selector with every matcher operator", () => {
    const q = log('{service_name="api", level=~"err.*", env!="dev", host!~"db-\\\\d+"}');
    expect(q.matchers.map((m) => [m.name, m.op, m.value])).toEqual([
      ["service_name", "=", "api"],
      ["level", "=~", "err.*"],
      ["env", "!=", "dev"],
      ["host", "!~", "db-\\d+"],
    ]);
    expect(q.pipeline).toEqual([]);
  });

  test("line filters in order, with or, ip() and patterns", () => {
    const q = log('{a="b"} |= "x" != "y" |~ `z\\d` !~ "w" |= "p" or "q" |= ip("10.0.0.0/8") |> "<_> GET <_>"');
    expect(q.pipeline.map((s) => s.kind === "line_filter" && [s.op, s.value, s.or?.map((t) => t.value) ?? [], !!s.ip])).toEqual([
      ["|=", "x", [], false],
      ["!=", "y", [], false],
      ["|~", "z\\d", [], false],
      ["!~", "w", [], false],
      ["|=", "p", ["q"], false],
      ["|=", "10.0.0.0/8", [], true],
      ["|>", "<_> GET <_>", [], false],
    ]);
  });

  test("every stage kind", () => {
    const q = log(
      '{a="b"} | json | json f="x.y", g | logfmt --strict --keep-empty | logfmt h, i="j" | regexp "(?P<k>\\\\w+)" | pattern "<l> <_>" | unpack' +
        ' | m >= 500 and n < 1.5s or o != 2KB , p =~ "q.*" | r = ip("1.2.3.4") | line_format "{{.a | upper}}"' +
        ' | label_format s=t, u="{{.v}}" | decolorize | drop w, x="y" | keep z',
    );
    expect(q.pipeline.map((s) => s.kind)).toEqual([
      "json", "json", "logfmt", "logfmt", "regexp", "pattern", "unpack", "label_filter", "label_filter", "line_format",
      "label_format", "decolorize", "drop", "keep",
    ]);
    const [, json2, logfmt1, logfmt2] = q.pipeline;
    expect(json2).toMatchObject({ params: [{ name: "f", expression: "x.y" }, { name: "g", expression: "g" }] });
    expect(logfmt1).toMatchObject({ strict: true, keepEmpty: true, params: [] });
    expect(logfmt2).toMatchObject({ strict: false, params: [{ name: "h", expression: "h" }, { name: "i", expression: "j" }] });
    const filter = q.pipeline[7]!;
    expect(filter.kind === "label_filter" && filter.filter).toMatchObject({
      kind: "or",
      left: { kind: "and", left: { kind: "number", name: "m", op: ">=", value: 500 }, right: { kind: "duration", value: 1.5 } },
      right: { kind: "and", left: { kind: "bytes", op: "!=", value: 2000 }, right: { kind: "string" } },
    });
    expect(q.pipeline[10]).toMatchObject({ items: [{ name: "s", rename: "t" }, { name: "u", template: "{{.v}}" }] });
    expect(q.pipeline[12]).toMatchObject({ labels: [{ name: "w" }, { name: "x", matcher: { op: "=", value: "y" } }] });
  });

  test("the empty selector parses to no matchers (the HTTP rule refuses it)", () => {
    expect(log("{}")).toMatchObject({ matchers: [], pipeline: [] });
    expect(metric("count_over_time({ }[1m])")).toMatchObject({ range: { query: { matchers: [] } } });
  });
});

describe("LogQL parser: metric queries", () => {
  test("range aggregation with unwrap, offset and grouping", () => {
    const e = metric('quantile_over_time(0.99, {a="b"} | json | unwrap duration(latency) | __error__="" [5m]) by (x)');
    expect(e).toMatchObject({
      kind: "range_aggregation", op: "quantile_over_time", param: 0.99, grouping: { without: false, labels: ["x"] },
      range: { rangeNs: 300_000_000_000n, offsetNs: 0n, unwrap: { label: "latency", conversion: "duration" } },
    });
    expect(metric('rate({a="b"}[5m] offset 1h | json)')).toMatchObject({ range: { offsetNs: 3_600_000_000_000n } });
    expect(metric('rate({a="b"}[5m] | json)')).toMatchObject({ range: { query: { pipeline: [{ kind: "json" }] } } });
  });

  test("Loki's operator precedence, not the grammar's", () => {
    expect(shape(metric("1 + 2 * 3"))).toBe("(1 + (2 * 3))");
    expect(shape(metric("2 * 3 + 1"))).toBe("((2 * 3) + 1)");
    expect(shape(metric("2 ^ 3 ^ 2"))).toBe("(2 ^ (3 ^ 2))");
    expect(shape(metric("vector(1) + vector(1) > bool vector(1) or vector(2) and vector(3)"))).toBe(
      "(((vector(1) + vector(1)) > vector(1)) or (vector(2) and vector(3)))",
    );
    expect(shape(metric("(1 + 2) * 3"))).toBe("((1 + 2) * 3)");
  });

  test("vector aggregations, matching modifiers, label_replace", () => {
    const e = metric('topk(3, sum without (a) (count_over_time({a="b"}[1m]))) / on(x) group_left(y) label_replace(vector(1), "d", "$1", "s", "(.*)")');
    expect(e).toMatchObject({
      kind: "binary", op: "/", modifier: { returnBool: false, matching: { on: true, labels: ["x"] }, group: { side: "left", include: ["y"] } },
      lhs: { kind: "vector_aggregation", op: "topk", param: 3, expr: { op: "sum", grouping: { without: true, labels: ["a"] } } },
      rhs: { kind: "label_replace", dst: "d", replacement: "$1", src: "s", regex: "(.*)" },
    });
    expect(logQueriesOf(e).length).toBe(1);
    expect(metric("sum by (a) (rate({a=\"b\"}[1m]))")).toMatchObject({ grouping: { labels: ["a"] } });
  });
});

describe("LogQL parser: errors name the position", () => {
  test.each([
    ['service_name="api"', 0],
    ['{a="b"', 6],
    ['{a="b"} |= x', 11],
    ['{1a="b"}', 1],
    ['{a>"b"}', 2],
    ['{a="b"} |', 9],
    ['sum(rate({a="b"}[5m])', 21],
  ])("%s fails at %d", (q, pos) => {
    const err = errorOf(q);
    expect(err.position).toBe(pos);
    expect(err.status).toBe(400);
    expect(err.message).toContain(`at position ${pos}`);
  });

  test.each([
    ['sum_over_time({a="b"}[5m])', "invalid aggregation sum_over_time without unwrap"],
    ['count_over_time({a="b"} | unwrap x [5m])', "invalid aggregation count_over_time with unwrap"],
    ['count_over_time({a="b"}[5m]) by (x)', "grouping not allowed for count_over_time aggregation"],
    ['topk(0, count_over_time({a="b"}[5m]))', "invalid parameter (must be greater than 0)"],
    ['quantile_over_time({a="b"} | unwrap x [5m])', "parameter required for operation quantile_over_time"],
    ['{a="b"} |~ "(a+)+"', "could run away"],
    ['{a="b"} |~ "(a)\\\\1"', "backreferences"],
    ['{a=~"(?=x)"}', "lookaround"],
    ['{a="b"} | line_format "{{.a"', "invalid template"],
    ['{a="b"} | line_format "{{nosuchfunc .a}}"', 'function "nosuchfunc" not defined'],
    ['{a="b"} | pattern "<a><b>"', "consecutive capture"],
    ['{a="b"} | label_format a=b, a=c', "multiple label name 'a'"],
    ['vector(1) and 1', "unexpected literal for right leg"],
    ['{a="b"} + 1', "a log query cannot be used"],
    ['count_over_time({a="b"}[0s])', "invalid range"],
  ])("%s is refused", (q, message) => {
    expect(errorOf(q).message).toContain(message);
  });
});

describe("Loki's selector rule", () => {
  const refused = (q: string) => {
    try {
      for (const s of logQueriesOf(parseLogQL(q))) requireNarrowingMatcher(s.matchers);
      return false;
    } catch (err) {
      return (err as Error).message === EMPTY_COMPATIBLE_SELECTOR;
    }
  };
  test.each(["{}", '{a!="x"}', '{a!~"x|y"}', '{a=~".*"}', '{a=""}', '{a=~"x?"}', '{a!=""}', 'rate({a=~".*"}[1m])'])("refuses %s", (q) => expect(refused(q)).toBe(true));
  test.each(['{a="x"}', '{a=~".+"}', '{a=~"x|y", b!="z"}', '{a="", b=~"v"}'])("takes %s", (q) => expect(refused(q)).toBe(false));
});

describe("LogQL parser: malformed input", () => {
  test("every cut or mangled query of Loki's parser table fails as a 400, never otherwise", async () => {
    const { cases } = (await import("../../../test/fixtures/logql/loki-parser-cases.json")).default as { cases: { in: string }[] };
    let tried = 0;
    for (const c of cases) {
      for (let i = 0; i <= c.in.length; i += 5) {
        for (const q of [c.in.slice(0, i), c.in.slice(0, i) + ")" + c.in.slice(i)]) {
          tried++;
          try {
            parseLogQL(q);
          } catch (err) {
            if (!(err instanceof LogQLError) && (err as { status?: number }).status !== 400) throw new Error(`${JSON.stringify(q)}: ${err}`);
          }
        }
      }
    }
    expect(tried).toBeGreaterThan(3000);
  }, 30_000); // thousands of parses: seconds on a loaded machine
});
