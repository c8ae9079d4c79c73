/**
 * Which Parquet files already store the dedicated attribute columns (written after they were
 * introduced): asked of each footer once per process (file-schemas.ts).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { DEDICATED_COLUMNS } from "../../../shared/tables/index.ts";
import { fileColumns } from "./file-schemas.ts";

export async function filesWithDedicatedColumns(connection: DuckDBConnection, files: readonly string[]): Promise<Set<string>> {
  const columns = await fileColumns(connection, files);
  return new Set(files.filter((f) => DEDICATED_COLUMNS.every((c) => columns.get(f)!.names.has(c))));
}
