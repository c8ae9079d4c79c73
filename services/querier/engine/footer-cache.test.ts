import { expect, test } from "bun:test";
import type { DuckDBConnection } from "@duckdb/node-api";
import { FooterCache } from "./footer-cache.ts";

const connection = {} as DuckDBConnection;

test("footer facts are read once per file; starting over never loses the answers of the call that caused it", async () => {
  const reads: string[][] = [];
  const cache = new FooterCache<number>(async (_, files) => {
    reads.push(files);
    return new Map(files.filter((f) => f !== "empty").map((f) => [f, f.length]));
  }, -1, 3);
  expect([...(await cache.get(connection, ["a", "bb"]))]).toEqual([["a", 1], ["bb", 2]]);
  expect([...(await cache.get(connection, ["bb", "a"]))]).toEqual([["bb", 2], ["a", 1]]);
  expect(reads).toEqual([["a", "bb"]]);
  // Two known, two new: past the bound of 3 the cache starts over, and still answers all four.
  expect([...(await cache.get(connection, ["a", "ccc", "bb", "empty"]))].sort()).toEqual([["a", 1], ["bb", 2], ["ccc", 3], ["empty", -1]]);
  expect(reads.at(-1)).toEqual(["ccc", "empty"]);
});
