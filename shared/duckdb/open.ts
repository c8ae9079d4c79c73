/**
 * Opening DuckDB the one allowed way: extension auto-install and auto-load are off, so
 * nothing is ever downloaded (Parquet and JSON are built in; the network extensions are not).
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

export interface OpenDuckDBOptions {
  /** Extra DuckDB configuration (e.g. `threads`, `memory_limit`); cannot re-enable downloads. */
  config?: Record<string, string>;
}

export interface DuckDBHandle {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  /** Closes the connection then the instance; safe to call twice. */
  close(): void;
}

const NO_DOWNLOADS = {
  autoinstall_known_extensions: "false",
  autoload_known_extensions: "false",
} as const;

export async function openDuckDB(path = ":memory:", opts: OpenDuckDBOptions = {}): Promise<DuckDBHandle> {
  // NO_DOWNLOADS is spread last so a caller's config can never switch downloads back on.
  const instance = await DuckDBInstance.create(path, { ...opts.config, ...NO_DOWNLOADS });
  const connection = await instance.connect();
  let closed = false;
  return {
    instance,
    connection,
    close() {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}
