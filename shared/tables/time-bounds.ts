/**
 * What a stored time column may hold: a non-negative int64 of nanoseconds. The acceptor
 * checks every time against a stricter window while decoding (shared/otlp/limits.ts); this
 * check is for batches that reach a role as Arrow (Flight DoPut) without passing it.
 */
import type { RecordBatch } from "apache-arrow";
import { firstNegativeRow, int64Words } from "./int64-words.ts";
import { isRestoredZeros } from "./omitted-columns.ts";
import type { TableName } from "./tables.ts";

/** Every Int64 time column of each table: what the window applies to once stored. */
export const TIME_COLUMNS: Record<TableName, readonly string[]> = {
  traces: ["start_time_unix_nano", "end_time_unix_nano"],
  logs: ["time_unix_nano", "observed_time_unix_nano"],
  metrics: ["start_time_unix_nano", "time_unix_nano"],
};

/**
 * Why a batch that reached a writer without passing the acceptor (a Flight DoPut from
 * elsewhere) holds a time no file can record — a negative one, i.e. a time ≥ 2^63 that was
 * wrapped — or undefined. The writer quarantines such a batch instead of failing its flush.
 */
export function storedTimeProblem(batch: RecordBatch, table: TableName): string | undefined {
  for (const name of TIME_COLUMNS[table]) {
    const vector = batch.getChild(name);
    if (!vector) return `no ${name} column`;
    for (const data of vector.data) {
      // A column the narrow wire form left out is zeros: nothing to look at.
      if (isRestoredZeros(data)) continue;
      const row = firstNegativeRow(int64Words(data));
      if (row !== undefined) return `${name} ${(data.values as BigInt64Array)[row]} is negative (a time past int64, wrapped)`;
    }
  }
  return undefined;
}
