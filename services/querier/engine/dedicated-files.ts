/**
 * Which Parquet files already store the dedicated attribute columns (written after they were
 * introduced). Files are immutable and a path never gets other content, so the answer is
 * cached per process: each footer is asked once.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { DEDICATED_COLUMNS, quoteLiteral } from "../../../shared/duckdb/index.ts";

/** Bounded so a long-running querier does not grow without limit; a miss only costs a footer read. */
const MAX_CACHED = 200_000;
const cache = new Map<string, boolean>();

export async function filesWithDedicatedColumns(connection: DuckDBConnection, files: readonly string[]): Promise<Set<string>> {
  const unknown = files.filter((f) => !cache.has(f));
  if (unknown.length > 0) {
    const reader = await connection.runAndReadAll(
      `SELECT file_name, count(*) FROM parquet_schema([${unknown.map(quoteLiteral).join(", ")}]) ` +
        `WHERE name IN (${DEDICATED_COLUMNS.map(quoteLiteral).join(", ")}) GROUP BY file_name`,
    );
    const found = new Map<string, number>();
    for (const [name, n] of reader.getRows()) found.set(String(name), Number(n));
    if (cache.size + unknown.length > MAX_CACHED) cache.clear();
    for (const f of unknown) cache.set(f, found.get(f) === DEDICATED_COLUMNS.length);
  }
  return new Set(files.filter((f) => cache.get(f) === true));
}
