import { expect, test } from "bun:test";
import type { DuckDBConnection } from "@duckdb/node-api";
import { FooterCache } from "./footer-cache.ts";

const connection = {} as DuckDBConnection;

test("footer facts are read once per file; evicting never loses the answers of the call that caused it", async () => {
  const reads: string[][] = [];
  const cache = new FooterCache<number>(async (_, files) => {
    reads.push(files);
    return new Map(files.filter((f) => f !== "empty").map((f) => [f, f.length]));
  }, -1, 3);
  expect([...(await cache.get(connection, ["a", "bb"]))]).toEqual([["a", 1], ["bb", 2]]);
  expect([...(await cache.get(connection, ["bb", "a"]))]).toEqual([["bb", 2], ["a", 1]]);
  expect(reads).toEqual([["a", "bb"]]);
  // Two known, two new: past the bound of 3 the least recently used go, and all four are answered.
  expect([...(await cache.get(connection, ["a", "ccc", "bb", "empty"]))].sort()).toEqual([["a", 1], ["bb", 2], ["ccc", 3], ["empty", -1]]);
  expect(reads.at(-1)).toEqual(["ccc", "empty"]);
});

test("full, the cache keeps the files still asked for and drops the least recently used", async () => {
  const reads: string[][] = [];
  const cache = new FooterCache<number>(async (_, files) => {
    reads.push(files);
    return new Map(files.map((f) => [f, f.length]));
  }, -1, 3);
  await cache.get(connection, ["a", "bb", "ccc"]);
  await cache.get(connection, ["a"]); // "a" is now the most recently used
  await cache.get(connection, ["dddd"]); // one over the bound: "bb" goes, not everything
  reads.length = 0;
  await cache.get(connection, ["a", "ccc", "dddd"]);
  expect(reads).toEqual([]);
  await cache.get(connection, ["bb"]);
  expect(reads).toEqual([["bb"]]);
});
