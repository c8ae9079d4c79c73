/**
 * A query's connection, taken from its pool only when the query first needs DuckDB. A trace
 * by id over files already indexed and laid out reads its rows straight from the files
 * (point-read/) and never does: opening and closing a connection for it would be most of the
 * work DuckDB does for that query.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { FreshConnections } from "./fresh-connections.ts";

/** A connection, or the way to get one when it is first needed. */
export type ConnectionSource = DuckDBConnection | (() => Promise<DuckDBConnection>);

export function connectionOf(source: ConnectionSource): Promise<DuckDBConnection> {
  return typeof source === "function" ? source() : Promise.resolve(source);
}

export class LazyConnection {
  private taken: Promise<DuckDBConnection> | undefined;
  private interrupted = false;

  constructor(private readonly pool: FreshConnections) {}

  /** The query's connection: the same one on every call, taken on the first. */
  readonly get = (): Promise<DuckDBConnection> => {
    // Past the deadline no statement may start (an interrupt reaches only a statement that runs).
    if (this.interrupted && this.taken === undefined) return Promise.reject(new Error("INTERRUPT Error: interrupted before it connected"));
    return (this.taken ??= this.pool.take());
  };

  /** Interrupts the running statement, if any, and refuses to start another. */
  interrupt(): void {
    this.interrupted = true;
    this.taken?.then((c) => c.interrupt(), () => undefined);
  }

  /** Hands a taken connection back to its pool to be closed; it must not be used again. */
  release(): void {
    this.taken?.then((c) => this.pool.discard(c), () => undefined);
  }
}
