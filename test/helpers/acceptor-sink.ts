/**
 * A real BatchSink for acceptor tests: it keeps every batch it acknowledges in memory,
 * standing in for the writers (which the acceptor reaches through this same interface).
 */
import type { RecordBatch } from "apache-arrow";
import { restoreOmitted, type TableName } from "../../shared/tables/index.ts";
import type { BatchSink, SinkWriteRequest } from "../../services/acceptor/sink.ts";

export class CollectingSink implements BatchSink {
  readonly writes: SinkWriteRequest[] = [];
  /** When set, every write throws it (e.g. a SinkUnavailableError). */
  failWith: Error | undefined;
  private waiters: Array<() => void> = [];

  async write(req: SinkWriteRequest): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.writes.push(req);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Batches of `table`, optionally only those of one bucket (tests isolate cases by bucket). */
  batches(table: TableName, bucket?: string): RecordBatch[] {
    return this.writes.filter((w) => w.table === table && (bucket === undefined || w.bucket === bucket)).map((w) => w.batch);
  }

  /** Every row of `table`, as plain objects (column name → JS value), the narrow form's omitted columns restored as a writer does. */
  rows(table: TableName, bucket?: string): Record<string, unknown>[] {
    return this.batches(table, bucket).flatMap((batch) => restoreOmitted(batch, table).toArray().map((row) => ({ ...row.toJSON() })));
  }

  rowCount(table: TableName, bucket?: string): number {
    return this.batches(table, bucket).reduce((n, b) => n + b.numRows, 0);
  }

  clear(): void {
    this.writes.length = 0;
  }

  /** Resolves once `table` holds at least `rows` rows; rejects after `timeoutMs`. */
  async waitForRows(table: TableName, rows: number, timeoutMs = 10_000, bucket?: string): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.rowCount(table, bucket) < rows) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${rows} ${table} rows (have ${this.rowCount(table, bucket)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
