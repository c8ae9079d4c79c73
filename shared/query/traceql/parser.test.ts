import { describe, expect, test } from "bun:test";
import { parseTraceQL, parseTraceQLSearch, TraceQLError, type FieldExpr, type SpansetFilter } from "./index.ts";

/** Tempo's own parser examples (grafana/tempo pkg/traceql/test_examples.yaml), verbatim. */
const examples = Bun.YAML.parse(await Bun.file(new URL("../../../test/fixtures/tempo-traceql-examples.yaml", import.meta.url)).text()) as Record<
  "valid" | "parse_fails" | "validate_fails" | "unsupported",
  string[]
>;

const filterOf = (q: string): FieldExpr => (parseTraceQLSearch(q) as SpansetFilter).expr;
const strip = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === "pos" ? undefined : typeof x === "bigint" ? `${x}n` : x)));

describe("Tempo's conformance corpus", () => {
  test("every valid example parses", () => {
    const refused = examples.valid.filter((q) => {
      try {
        parseTraceQL(q);
        return false;
      } catch {
        return true;
      }
    });
    expect(refused).toEqual([]);
    expect(examples.valid.length).toBeGreaterThan(250);
  });

  test.each(["parse_fails", "validate_fails", "unsupported"] as const)("every %s example is a TraceQLError (400)", (group) => {
    const accepted = examples[group].filter((q) => {
      try {
        parseTraceQL(q);
        return true;
      } catch (err) {
        if (!(err instanceof TraceQLError)) throw err;
        expect(err.status).toBe(400);
        return false;
      }
    });
    expect(accepted).toEqual([]);
  });
});

describe("TraceQL tree", () => {
  test("{} is { true }; scopes and intrinsics in both spellings", () => {
    expect(strip(filterOf("{}"))).toEqual({ type: "bool", value: true });
    expect(strip(filterOf("{ resource.service.name = `a` }"))).toMatchObject({ left: { type: "attribute", scope: "resource", name: "service.name" } });
    for (const [text, name] of [
      ["traceDuration", "trace:duration"], ["trace:duration", "trace:duration"], ["rootServiceName", "trace:rootService"],
      ["trace:rootService", "trace:rootService"], ["statusMessage", "span:statusMessage"], ["event:timeSinceStart", "event:timeSinceStart"],
      ["link:traceID", "link:traceID"], ["instrumentation:version", "instrumentation:version"], ["span:parentID", "span:parentID"],
    ]) {
      expect(strip(filterOf(`{ ${text} != nil }`))).toEqual({ type: "unary", op: "exists", operand: { type: "intrinsic", name, text } });
    }
    for (const scope of ["span", "resource", "event", "link", "instrumentation"]) {
      expect(strip(filterOf(`{ ${scope}.x.y = 1 }`)).left).toEqual({ type: "attribute", scope, name: "x.y", parent: false });
    }
    expect(strip(filterOf('{ span."a b" = 1 }')).left.name).toBe("a b");
  });

  test("&& and || are one level, left to right, below comparisons and arithmetic (Tempo's precedences)", () => {
    const e = strip(filterOf("{ .a = 1 || .b + 2 * 3 > 4 && .c }"));
    expect(e.op).toBe("&&");
    expect(e.left.op).toBe("||");
    expect(e.left.right).toMatchObject({ op: ">", left: { op: "+", right: { op: "*" } } });
  });

  test("structural operators bind tighter than && / ||; pipelines take stages", () => {
    const q = strip(parseTraceQLSearch("{ .a } && { .b } >> { .c } | by(resource.service.name) | count() > 2 | select(span.x, name) | coalesce()"));
    expect(q.type).toBe("pipeline");
    expect(q.stages[0]).toMatchObject({ type: "spanset_op", op: "&&", right: { type: "spanset_op", op: ">>" } });
    expect(q.stages.slice(1).map((s: { type: string }) => s.type)).toEqual(["by", "scalar_filter", "select", "coalesce"]);
    for (const op of [">", "<", ">>", "<<", "~", "!>", "!<", "!>>", "!<<", "!~", "&>", "&<", "&>>", "&<<", "&~"]) {
      expect(strip(parseTraceQLSearch(`{ .a } ${op} { .b }`)).op).toBe(op);
    }
  });

  test("metrics: first stage, by, second stages, arithmetic and hints", () => {
    expect(strip(parseTraceQL("{ status = error } | quantile_over_time(duration, .5, .99) by (resource.service.name) | topk(3) > 1s with(sample=true)"))).toEqual({
      kind: "metrics",
      hints: { sample: { type: "bool", value: true } },
      expr: {
        type: "metrics_pipeline",
        pipeline: { type: "filter", expr: { type: "binary", op: "=", left: { type: "intrinsic", name: "span:status", text: "status" }, right: { type: "status", value: "error" } } },
        aggregation: {
          type: "metrics_aggregation", fn: "quantile_over_time", attribute: { type: "intrinsic", name: "span:duration", text: "duration" },
          quantiles: [0.5, 0.99], by: [{ type: "attribute", scope: "resource", name: "service.name", parent: false }],
        },
        stages: [{ type: "topk", limit: 3 }, { type: "metrics_filter", op: ">", value: 1 }],
      },
    });
    expect(strip(parseTraceQL("{} | compare({ status = error }, 5)")).expr.aggregation).toMatchObject({ type: "compare", topN: 5, start: "0n", end: "0n" });
    const math = strip(parseTraceQL("({ status = error } | rate()) / ({} | rate()) * 100"));
    expect(math.expr).toMatchObject({ type: "metrics_scalar_math", op: "*", scalar: 100, scalarOnLeft: false, expr: { type: "metrics_math", op: "/" } });
    expect(strip(parseTraceQL("{ } with(most_recent=true)"))).toMatchObject({ kind: "search", hints: { most_recent: { type: "bool", value: true } } });
  });

  test("errors name the position and what was expected", () => {
    const err = (q: string) => {
      try {
        parseTraceQL(q);
      } catch (e) {
        return e as TraceQLError;
      }
      throw new Error(`accepted ${q}`);
    };
    expect(err("{ .a = }")).toMatchObject({ position: 7 });
    expect(err("{ .a = }").message).toContain("at position 7");
    expect(err('{ span:foo = "x" }').message).toContain('unknown intrinsic "span:foo"');
    expect(err("{ status = 3 }").message).toContain("status and int");
    expect(err('{ .a =~ "[" }').message).toContain("invalid regex");
    expect(err("{} | topk(3)").message).toContain("metrics function");
    expect(() => parseTraceQLSearch("{} | rate()")).toThrow("/api/metrics/query_range");
  });
});
