import { describe, expect, test } from "bun:test";
import { EMPTY_COMPATIBLE_SELECTOR, LogQLError, parseLogQL, requireNarrowingMatcher } from "./index.ts";

function errorOf(q: string): LogQLError {
  try {
    parseLogQL(q);
  } catch (err) {
    if (err instanceof LogQLError) return err;
    throw err;
  }
  throw new Error(`expected ${q} to fail`);
}

describe("LogQL parser", () => {
  test("selector with every matcher operator", () => {
    const q = parseLogQL('{service_name="api", level=~"err.*", env!="dev", host!~"db-\\\\d+"}');
    expect(q.matchers.map((m) => [m.name, m.op, m.value])).toEqual([
      ["service_name", "=", "api"],
      ["level", "=~", "err.*"],
      ["env", "!=", "dev"],
      ["host", "!~", "db-\\d+"],
    ]);
    expect(q.filters).toEqual([]);
  });

  test("line filters in order", () => {
    const q = parseLogQL('{a="b"} |= "x" != "y" |~ `z\\d` !~ "w"');
    expect(q.filters.map((f) => [f.op, f.value])).toEqual([
      ["|=", "x"],
      ["!=", "y"],
      ["|~", "z\\d"],
      ["!~", "w"],
    ]);
  });

  test("empty selector is accepted", () => {
    expect(parseLogQL("{}")).toEqual({ matchers: [], filters: [] });
  });

  test("errors with positions", () => {
    expect(errorOf('service_name="api"').position).toBe(0);
    expect(errorOf('{a="b"').expected).toContain('"}"');
    expect(errorOf('{a="b"} | json').expected).toContain("pipeline stages");
    expect(errorOf('{a="b"} |= x').expected).toContain("quoted string");
    expect(errorOf('{1a="b"}').position).toBe(1);
    expect(errorOf('{a>"b"}').expected).toContain("matcher operator");
    expect(errorOf('{a="b}').message).toContain("closing");
    expect(errorOf('{a="b"} |').status).toBe(400);
  });
});

describe("Loki's selector rule", () => {
  const refused = (q: string) => {
    try {
      requireNarrowingMatcher(parseLogQL(q).matchers);
      return false;
    } catch (err) {
      return (err as Error).message === EMPTY_COMPATIBLE_SELECTOR;
    }
  };
  test.each(["{}", '{a!="x"}', '{a!~"x|y"}', '{a=~".*"}', '{a=""}', '{a=~"x?"}', '{a!=""}'])("refuses %s", (q) => expect(refused(q)).toBe(true));
  test.each(['{a="x"}', '{a=~".+"}', '{a=~"x|y", b!="z"}', '{a="", b=~"v"}'])("takes %s", (q) => expect(refused(q)).toBe(false));
});
