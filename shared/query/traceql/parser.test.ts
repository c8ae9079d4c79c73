import { describe, expect, test } from "bun:test";
import { parseTraceQL, TraceQLError, type Comparison, type SpansetFilter } from "./index.ts";

const firstComparison = (q: string) => (parseTraceQL(q) as SpansetFilter).condition as Comparison;

function errorOf(q: string): TraceQLError {
  try {
    parseTraceQL(q);
  } catch (err) {
    if (err instanceof TraceQLError) return err;
    throw err;
  }
  throw new Error(`expected ${q} to fail`);
}

describe("TraceQL parser", () => {
  test("{} matches all spans", () => {
    expect(parseTraceQL("{}")).toEqual({ type: "filter", condition: null, pos: 0 });
    expect(parseTraceQL("  { }  ")).toMatchObject({ type: "filter", condition: null });
  });

  test("scopes: resource., span., unscoped .", () => {
    expect(firstComparison('{ resource.service.name = "api" }').field).toMatchObject({ type: "attribute", scope: "resource", name: "service.name" });
    expect(firstComparison('{ span.http.method = "GET" }').field).toMatchObject({ scope: "span", name: "http.method" });
    expect(firstComparison('{ .http.status_code = 200 }').field).toMatchObject({ scope: "unscoped", name: "http.status_code" });
    expect(firstComparison('{ span."with space" = "x" }').field).toMatchObject({ scope: "span", name: "with space" });
    expect(firstComparison('{ .a-b/c = "x" }').field).toMatchObject({ scope: "unscoped", name: "a-b/c" });
  });

  test("every comparison operator", () => {
    for (const op of ["=", "!=", ">", ">=", "<", "<="]) expect(firstComparison(`{ .n ${op} 3 }`).op).toBe(op as Comparison["op"]);
    expect(firstComparison('{ .s =~ "a.*" }').op).toBe("=~");
    expect(firstComparison('{ .s !~ "a.*" }').op).toBe("!~");
    expect(firstComparison("{.n>=3}").op).toBe(">=");
  });

  test("literals: strings, ints, floats, bools, durations, keywords", () => {
    expect(firstComparison('{ .s = "a \\"q\\" \\\\ b" }').value).toMatchObject({ type: "string", value: 'a "q" \\ b' });
    expect(firstComparison("{ .s =~ `\\d+` }").value).toMatchObject({ type: "string", value: "\\d+" });
    expect(firstComparison('{ .s =~ "\\d+" }').value).toMatchObject({ type: "string", value: "\\d+" });
    expect(firstComparison("{ .n = -42 }").value).toEqual({ type: "int", value: -42n, pos: 7 });
    expect(firstComparison("{ .n > 1.25 }").value).toMatchObject({ type: "float", value: 1.25 });
    expect(firstComparison("{ .b = true }").value).toMatchObject({ type: "bool", value: true });
    expect(firstComparison("{ .b != false }").value).toMatchObject({ type: "bool", value: false });
    expect(firstComparison("{ status = error }").value).toMatchObject({ type: "status", value: "error" });
    expect(firstComparison("{ kind = server }").value).toMatchObject({ type: "kind", value: "server" });
  });

  test("intrinsics", () => {
    for (const name of ["name", "rootServiceName", "rootName"]) {
      expect(firstComparison(`{ ${name} = "x" }`).field).toEqual({ type: "intrinsic", name: name as "name", pos: 2 });
    }
    expect(firstComparison("{ duration > 100ms }")).toMatchObject({ field: { name: "duration" }, value: { value: 100_000_000n } });
    for (const s of ["ok", "error", "unset"]) expect(firstComparison(`{ status != ${s} }`).value.value).toBe(s);
    for (const k of ["server", "client", "producer", "consumer", "internal", "unspecified"]) {
      expect(firstComparison(`{ kind = ${k} }`).value.value).toBe(k);
    }
  });

  test("&& binds tighter than ||, parentheses override, inside a filter", () => {
    const f = parseTraceQL('{ .a = 1 || .b = 2 && .c = 3 }') as SpansetFilter;
    expect(f.condition).toMatchObject({ type: "logical", op: "||", right: { type: "logical", op: "&&" } });
    const g = parseTraceQL('{ (.a = 1 || .b = 2) && .c = 3 }') as SpansetFilter;
    expect(g.condition).toMatchObject({ type: "logical", op: "&&", left: { type: "logical", op: "||" } });
  });

  test("spanset operators and grouping", () => {
    expect(parseTraceQL('{ .a = 1 } && { .b = 2 }')).toMatchObject({ type: "spanset_op", op: "&&" });
    expect(parseTraceQL('{ .a = 1 } || { .b = 2 } && { .c = 3 }')).toMatchObject({
      op: "||",
      right: { type: "spanset_op", op: "&&" },
    });
    expect(parseTraceQL('({ .a = 1 } || { .b = 2 }) && { .c = 3 }')).toMatchObject({
      op: "&&",
      left: { type: "spanset_op", op: "||" },
    });
  });

  test("errors carry position and what was expected", () => {
    let e = errorOf('{ .a = "x" ');
    expect(e.position).toBe(11);
    expect(e.expected).toContain('"}"');
    expect(e.status).toBe(400);
    expect(e.code).toBe("INVALID_ARGUMENT");

    e = errorOf("{ .a 3 }");
    expect(e.position).toBe(5);
    expect(e.expected).toContain("comparison operator");

    e = errorOf('{ foo = "x" }');
    expect(e.position).toBe(2);
    expect(e.expected).toContain("attribute");

    e = errorOf("{ status = 3 }");
    expect(e.position).toBe(11);
    expect(e.expected).toContain("ok, error, unset");

    e = errorOf("{ duration > 5 }");
    expect(e.expected).toContain("duration");
    expect(errorOf("{ kind > server }").message).toContain("= or !=");
    expect(errorOf("{ .a =~ 3 }").expected).toContain("regular expression");
    expect(errorOf('{ name = 3 }').expected).toContain("a string");
    expect(errorOf('{ .a = "x" } {').position).toBe(13);
    expect(errorOf('{ .a = "unterminated }').message).toContain("unterminated string");
    expect(errorOf("{ .a = 5xyz }").position).toBe(7);
    expect(errorOf("").expected).toContain("spanset filter");
    expect(errorOf("{ .a = 1 } &&").position).toBe(13);
    expect(errorOf("{ . = 1 }").expected).toContain("attribute name");
    expect(errorOf("{ .a = 1 # }").position).toBe(9);
  });
});
