import { describe, expect, test } from "bun:test";
import { completed, tagFilterSql } from "./tag-filter.ts";

describe("completed: Tempo's lenient reading of autocomplete text", () => {
  test.each([
    ['{ resource.service.name = "a" && span.http.method = }', '{ resource.service.name = "a"}'],
    ['{ span.http.method = && resource.service.name = "a" }', '{ resource.service.name = "a" }'],
    ['{ .a = "x" && .b =', '{ .a = "x"}'],
    ['{ .a = "=}" }', '{ .a = "=}" }'],
  ])("%s → %s", (q, expected) => expect(completed(q)).toBe(expected));

  test.each(["", "{}", "{ }", "{ true }", "{ name = }", '{ .a = "x" || .b = }'])("%p matches everything", (q) => {
    expect(completed(q)).toBeUndefined();
  });
});

describe("tagFilterSql", () => {
  test("one spanset filter narrows; anything else narrows nothing", () => {
    expect(tagFilterSql("{ status = error }")).toBe("((status_code = 2))");
    expect(tagFilterSql("{ .x = 1 } && { .y = 2 }")).toBe("TRUE");
    expect(tagFilterSql("{ nonsense")).toBe("TRUE");
    expect(tagFilterSql(undefined)).toBe("TRUE");
  });
});
