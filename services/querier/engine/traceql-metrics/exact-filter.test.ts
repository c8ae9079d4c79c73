/** Which spanset filters the metrics SQL says exactly, and what it says for Drilldown's forms. */
import { describe, expect, test } from "bun:test";
import { parseTraceQLSearch, type SpansetFilter } from "../../../../shared/query/traceql/index.ts";
import { exactFilter } from "./exact-filter.ts";

const of = (q: string) => exactFilter((parseTraceQLSearch(q) as SpansetFilter).expr);

describe("exact span predicates", () => {
  test("Drilldown's root spans and `true`", () => {
    expect(of("{ nestedSetParent < 0 && true }")?.sql).toBe("((parent_span_id = '') AND TRUE)");
    expect(of("{ nestedSetParent >= 1 }")?.sql).toBe("(parent_span_id <> '')");
    expect(of("{ nestedSetParent = 1 }")).toBeNull();
  });

  test("!= nil reads the key list, or the service column", () => {
    expect(of("{ resource.service.name != nil }")?.sql).toBe("(service_name <> '')");
    expect(of("{ span.foo = nil }")?.sql).toContain("NOT coalesce(list_contains(");
  });

  test("attribute comparisons carry their array guard apart", () => {
    const f = of('{ span.foo = "x" || status = error }')!;
    expect(f.arrayGuards).toHaveLength(1);
    expect(f.arrayGuards[0]).toContain('"arrayValue"');
    expect(f.sql).not.toContain("arrayValue");
    expect(f.sql).toContain("status_code = 2");
  });

  test("what only the evaluator can say is not exact", () => {
    expect(of('{ rootServiceName = "a" }')).toBeNull();
    expect(of("{ span.a + 1 > 2 }")).toBeNull();
    expect(of('{ event.name = "x" }')).toBeNull();
  });
});
