/**
 * Each span file's newest span start, read once per process from its footer statistics
 * (files are immutable and a path never gets other content). A newest-first search walks
 * the files in this order and stops as soon as no older file can hold a newer candidate
 * (search-candidates.ts).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../shared/duckdb/index.ts";

/**
 * undefined: the footer has no statistics for the column (the file could hold anything);
 * null: the file has no rows.
 */
export type NewestStart = bigint | null | undefined;

/** Bounded so a long-running querier does not grow without limit; a miss only costs a footer read. */
const MAX_CACHED = 200_000;
const cache = new Map<string, NewestStart>();

export async function newestStarts(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, NewestStart>> {
  const unknown = [...new Set(files.filter((f) => !cache.has(f)))];
  if (unknown.length > 0) {
    // One row per row group; a row group without statistics makes the whole file unknown.
    const reader = await connection.runAndReadAll(
      `SELECT file_name, bool_and(stats_max_value IS NOT NULL) AS known, max(CAST(stats_max_value AS BIGINT)) AS newest ` +
        `FROM parquet_metadata([${unknown.map(quoteLiteral).join(", ")}]) ` +
        `WHERE path_in_schema = 'start_time_unix_nano' GROUP BY file_name`,
    );
    if (cache.size + unknown.length > MAX_CACHED) cache.clear();
    // A file with no row groups has no row here: it holds nothing.
    for (const f of unknown) cache.set(f, null);
    for (const [file, known, newest] of reader.getRows() as [string, boolean, bigint | null][]) {
      cache.set(file, known ? newest : undefined);
    }
  }
  return new Map(files.map((f) => [f, cache.get(f)]));
}
