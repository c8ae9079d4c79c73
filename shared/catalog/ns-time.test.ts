import { expect, test } from "bun:test";
import { CatalogError } from "./errors.ts";
import { normalizeNs, nsFromSortableText, nsToSortableText } from "./ns-time.ts";

test("sortable text orders like the numbers and round-trips", () => {
  const values = ["0", "9", "10", "1700000000123456789", "9223372036854775807"];
  const texts = values.map(nsToSortableText);
  expect([...texts].sort()).toEqual(texts);
  expect(texts.map(nsFromSortableText)).toEqual(values);
});

test("normalizeNs canonicalises and refuses what is not a non-negative int64", () => {
  expect(normalizeNs("0007")).toBe("7");
  for (const bad of ["", "-1", "1.5", "1e9", " 1", "9223372036854775808", "12345678901234567890"]) {
    expect(() => normalizeNs(bad)).toThrow(CatalogError);
  }
});
