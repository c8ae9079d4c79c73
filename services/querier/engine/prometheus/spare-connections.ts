/**
 * A first decode of many Parquet files' samples (file-samples.ts) split over two connections
 * of the shared DuckDB, the query's own and a spare: each connection streams one statement at
 * a time, and such a read spends most of its time outside DuckDB (copying each chunk's
 * vectors out, placing its rows), so two statements at once keep both cores busy where one
 * left DuckDB idle while the rows were placed. The halves touch disjoint files. (The row
 * maps' grouped read is not split: DuckDB is busy for most of it, and two groupings at once
 * measured no faster.)
 */
import type { DuckDBConnection } from "@duckdb/node-api";

/** Connections a query may borrow for a while; a borrowed one is given back, never reused. */
export interface SpareConnections {
  take(): Promise<DuckDBConnection>;
  release(connection: DuckDBConnection): void;
}

/** Files a read must cover before it is split: under it, a second statement costs more than it saves. */
const MIN_FILES_TO_SPLIT = 4;

/**
 * `read` over the items' two halves at once (the first on `connection`, the second on a spare)
 * when there are spares and enough items; else over all on `connection`. A failure of either
 * half interrupts the other, and is thrown once both have stopped.
 */
export async function inHalves<T>(
  connection: DuckDBConnection, spares: SpareConnections | undefined, count: number,
  read: (connection: DuckDBConnection, from: number, to: number) => Promise<T>,
): Promise<T[]> {
  if (spares === undefined || count < MIN_FILES_TO_SPLIT) return [await read(connection, 0, count)];
  const half = Math.ceil(count / 2);
  const spare = await spares.take();
  try {
    let failure: { error: unknown } | null = null;
    const halves = [read(connection, 0, half), read(spare, half, count)].map((p, k) =>
      p.catch((error: unknown) => {
        // The first failure is the one reported: the other half then fails by the interrupt.
        if (failure === null) {
          failure = { error };
          (k === 0 ? spare : connection).interrupt();
        }
        throw error;
      }),
    );
    const settled = await Promise.allSettled(halves);
    if (failure !== null) throw (failure as { error: unknown }).error;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  } finally {
    spares.release(spare);
  }
}
