/**
 * The DuckDB a trace by id runs in: the querier's second instance, on one thread. A trace by
 * id reads a row group or two (trace-id-index.ts narrows it to their rows), yet on two
 * threads DuckDB still hands part of the scan to its worker thread, which only prunes row
 * groups; that costs CPU, and on a busy machine the query also waits for the worker to be
 * given a core. Everything else stays on the shared instance, where a scan of whole files
 * gains from every core.
 */
import type { DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { openQueryInstance } from "./query-instance.ts";

/**
 * `shared`: the shared instance's settings. The same memory bound; a spill folder of its own
 * (two instances must not share one: their temp file names collide).
 */
export async function openLookupInstance(shared: Record<string, string> = {}): Promise<DuckDBHandle> {
  const config: Record<string, string> = { ...shared, threads: "1" };
  if (shared.temp_directory !== undefined) config.temp_directory = `${shared.temp_directory}-lookups`;
  return openQueryInstance(config);
}
