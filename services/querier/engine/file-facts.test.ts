import { expect, test } from "bun:test";
import type { DuckDBConnection } from "@duckdb/node-api";
import { forgetFileFacts } from "./file-facts.ts";
import { FooterCache } from "./footer-cache.ts";
import { LogSampleCache } from "./loki/log-sample-cache.ts";

// A querier's per-file caches are bounded by entry counts only: a file that left the manifest
// must leave them when the querier says so, not wait for the bound (tens of thousands of files).
test("a footer cache forgets the files the querier says left the manifest, and only those", async () => {
  const reads: string[][] = [];
  const cache = new FooterCache<number>(async (_connection, files) => {
    reads.push([...files]);
    return new Map(files.map((f) => [f, f.length]));
  }, -1);
  const connection = {} as DuckDBConnection; // the reader above never uses it
  await cache.get(connection, ["/d/a.parquet", "/d/bb.parquet"]);
  await cache.get(connection, ["/d/a.parquet", "/d/bb.parquet"]);
  expect(reads).toEqual([["/d/a.parquet", "/d/bb.parquet"]]);
  forgetFileFacts(["/d/a.parquet", "/d/unknown.parquet"]);
  expect(await cache.get(connection, ["/d/a.parquet", "/d/bb.parquet"])).toEqual(new Map([["/d/a.parquet", 12], ["/d/bb.parquet", 13]]));
  expect(reads).toEqual([["/d/a.parquet", "/d/bb.parquet"], ["/d/a.parquet"]]);
});

test("the LogQL sample cache drops the entries of forgotten files, whatever their shape", () => {
  const cache = new LogSampleCache(1 << 20);
  const samples = { groups: [], restRows: 0, linesRead: 1, bytesRead: 1 };
  for (const file of ["/d/a.parquet", "/d/b.parquet"]) for (const shape of ["s1", "s2"]) cache.set(file, shape, samples);
  forgetFileFacts(["/d/a.parquet"]);
  expect([cache.get("/d/a.parquet", "s1"), cache.get("/d/a.parquet", "s2")]).toEqual([undefined, undefined]);
  expect([cache.get("/d/b.parquet", "s1"), cache.get("/d/b.parquet", "s2")]).toEqual([samples, samples]);
});
