/** Opening a querier's DuckDB instance: the shared one (engine.ts) and trace by id's (lookup-instance.ts). */
import { openDuckDB, type DuckDBHandle } from "../../../shared/duckdb/index.ts";

export async function openQueryInstance(config: Record<string, string> | undefined): Promise<DuckDBHandle> {
  const handle = await openDuckDB(":memory:", { config });
  // Parquet files are immutable (a new file gets a new name): their footers can be cached
  // across queries, which saves re-reading and re-parsing every footer on every query.
  // GLOBAL: a plain SET holds only for the connection it runs on, and every query gets a
  // fresh connection.
  await handle.connection.run("SET GLOBAL parquet_metadata_cache = true");
  return handle;
}
