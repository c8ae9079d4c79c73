import { describe, expect, test } from "bun:test";
import { completed, tagFilterSql } from "./tag-filter.ts";

describe("completed: Tempo's rewrite of autocomplete text", () => {
  test.each([
    ['{ resource.service.name = "a" && span.http.method = }', '{ resource.service.name = "a" && true }'],
    ['{ span.http.method = && resource.service.name = "a" }', '{ true && resource.service.name = "a" }'],
    ['{ .a = "x" && .b =', '{ .a = "x" && true }'],
    ['{ .a = "=}" }', '{ .a = "=}" }'],
  ])("%s → %s", (q, expected) => expect(completed(q)).toBe(expected));
});

describe("tagFilterSql", () => {
  test("the first spanset filter narrows; anything else narrows nothing", () => {
    expect(tagFilterSql("{ status = error }")).toContain("status_code");
    expect(tagFilterSql('{ status = error && span.http.method = }')).toContain("status_code");
    expect(tagFilterSql("{ status = error } | count() > 2")).toContain("status_code");
    expect(tagFilterSql("{ .x = 1 } && { .y = 2 }")).toBe("TRUE");
    expect(tagFilterSql('{ .a = "x" || .b = }')).toBe("TRUE");
    expect(tagFilterSql("{ name = }")).toBe("TRUE");
    expect(tagFilterSql("{}")).toBe("TRUE");
    expect(tagFilterSql("{ nonsense")).toBe("TRUE");
    expect(tagFilterSql(undefined)).toBe("TRUE");
  });
});
