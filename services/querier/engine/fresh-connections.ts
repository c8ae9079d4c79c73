/**
 * Every built-in query runs on a connection of its own, so its temp views and tables are
 * private and vanish with it. Opening and closing one are both on every query's path: here a used connection is closed, and the next one opened, after the
 * query's answer has left. Connections are never reused.
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** Spares kept open: one per core answers the usual concurrency of a querier. */
const DEFAULT_SPARES = 2;

export class FreshConnections {
  private readonly spares: Promise<DuckDBConnection>[] = [];
  private readonly used = new Set<DuckDBConnection>();
  private closed = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly spareCount = DEFAULT_SPARES,
  ) {
    this.refill();
  }

  /** A connection no query has used. */
  async take(): Promise<DuckDBConnection> {
    // A spare that failed to open (instance closing) is not worth a second try here.
    return this.spares.shift() ?? this.instance.connect();
  }

  /**
   * Closes a used connection, and opens a spare in its place, once the current turn of the
   * event loop (the answer) is done, so that neither competes with a query being answered.
   * The connection must not be used again.
   */
  discard(connection: DuckDBConnection): void {
    this.used.add(connection);
    setImmediate(() => {
      this.closeUsed(connection);
      this.refill();
    });
  }

  /**
   * Closes the used connections not closed yet and the spares — waiting for those still
   * opening: a connect that completes after its instance closed crashes the process.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const connection of this.used) this.closeUsed(connection);
    const spares = await Promise.allSettled(this.spares.splice(0));
    for (const spare of spares) if (spare.status === "fulfilled") spare.value.closeSync();
  }

  private closeUsed(connection: DuckDBConnection): void {
    if (this.used.delete(connection)) connection.closeSync();
  }

  private refill(): void {
    while (!this.closed && this.spares.length < this.spareCount) {
      const opening = this.instance.connect();
      // Observed by take(); a failure must not count as unhandled while it waits.
      opening.catch(() => undefined);
      this.spares.push(opening);
    }
  }
}
