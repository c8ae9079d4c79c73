/** The smallest and largest row time of a set of batches (the table's TIME_COLUMN, ns). */
import type { RecordBatch } from "apache-arrow";
import { Int64WordRange, int64Words, TIME_COLUMN, type TableName } from "../../../shared/tables/index.ts";

export function timeRange(table: TableName, batches: readonly RecordBatch[]): { minTimeNs: bigint; maxTimeNs: bigint } {
  const column = TIME_COLUMN[table];
  const range = new Int64WordRange();
  for (const batch of batches) {
    const vector = batch.getChild(column);
    if (!vector) throw new Error(`${table} batch has no ${column} column`);
    for (const data of vector.data) range.add(int64Words(data));
  }
  if (range.empty) throw new Error(`no rows: cannot compute the time range of ${table}`);
  return { minTimeNs: range.min, maxTimeNs: range.max };
}
