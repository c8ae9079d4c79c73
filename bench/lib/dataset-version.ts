/**
 * Cached bench data sets are keyed by a hash of the sources that decide what their files hold:
 * the writer's Parquet code plus the generator's own files. Change any and the set is rebuilt.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const REPO = new URL("../..", import.meta.url).pathname;

/** `extra`: repository-relative paths of the generator's sources. */
export function datasetCodeVersion(extra: readonly string[]): string {
  const dir = join(REPO, "services/writer/parquet");
  const sources = [
    ...readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).map((f) => join(dir, f)),
    ...extra.map((p) => join(REPO, p)),
  ];
  return Bun.hash(sources.map((p) => readFileSync(p, "utf8")).join("\n")).toString(16);
}
