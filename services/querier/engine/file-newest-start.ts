/**
 * Each span file's newest span start, read once per process from its footer statistics
 * (footer-cache.ts). A newest-first search walks
 * the files in this order and stops as soon as no older file can hold a newer candidate
 * (search-scope.ts).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../shared/duckdb/index.ts";
import { FooterCache } from "./footer-cache.ts";

/**
 * undefined: the footer has no statistics for the column (the file could hold anything);
 * null: the file has no rows.
 */
export type NewestStart = bigint | null | undefined;

const footers = new FooterCache<NewestStart>(async (connection, files) => {
  // One row per row group; a row group without statistics makes the whole file unknown.
  const reader = await connection.runAndReadAll(
    `SELECT file_name, bool_and(stats_max_value IS NOT NULL) AS known, max(CAST(stats_max_value AS BIGINT)) AS newest ` +
      `FROM parquet_metadata([${files.map(quoteLiteral).join(", ")}]) ` +
      `WHERE path_in_schema = 'start_time_unix_nano' GROUP BY file_name`,
  );
  const rows = reader.getRows() as [string, boolean, bigint | null][];
  // A file with no row groups has no row here: it holds nothing (the `null` below).
  return new Map(rows.map(([file, known, newest]) => [file, known ? newest : undefined]));
}, null);

export function newestStarts(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, NewestStart>> {
  return footers.get(connection, files);
}
