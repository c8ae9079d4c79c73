/**
 * Query time limit: DuckDB queries cannot be cancelled through their promise, so a timer
 * interrupts the connection; the query then fails with an INTERRUPT error, which is reported
 * as DEADLINE_EXCEEDED.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { toQueryError } from "./duckdb-errors.ts";

export async function withDeadline<T>(
  connection: Pick<DuckDBConnection, "interrupt">,
  timeoutMs: number,
  userSql: boolean,
  run: () => Promise<T>,
): Promise<T> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.interrupt();
  }, timeoutMs);
  try {
    return await run();
  } catch (err) {
    throw toQueryError(err, { userSql, timedOut, timeoutMs });
  } finally {
    clearTimeout(timer);
  }
}
