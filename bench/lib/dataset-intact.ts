/**
 * A cached bench data set is only reused while its files are exactly the ones written: a writer
 * that compacted or expired them (a bench run that outlived `compaction.interval`) leaves a
 * catalog that no longer describes the layout the bench claims to measure.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** The Parquet files under `storagePath`, as paths relative to it. */
function parquetFilesUnder(storagePath: string): string[] {
  return (readdirSync(storagePath, { recursive: true }) as string[])
    .filter((p) => p.endsWith(".parquet"))
    .map((p) => p.split("\\").join("/"));
}

/** True when the storage holds exactly `expected` Parquet files (paths relative to storage). */
export function datasetIntact(storagePath: string, expected: readonly string[] | number): boolean {
  const found = parquetFilesUnder(storagePath);
  if (typeof expected === "number") return found.length === expected;
  const have = new Set(found);
  return found.length === expected.length && expected.every((p) => have.has(p));
}
