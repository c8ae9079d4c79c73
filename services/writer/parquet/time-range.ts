/** The smallest and largest row time of a set of batches (the table's TIME_COLUMN, ns). */
import type { RecordBatch } from "apache-arrow";
import { TIME_COLUMN, type TableName } from "../../../shared/tables/index.ts";

export function timeRange(table: TableName, batches: readonly RecordBatch[]): { minTimeNs: bigint; maxTimeNs: bigint } {
  const column = TIME_COLUMN[table];
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (const batch of batches) {
    const vector = batch.getChild(column);
    if (!vector) throw new Error(`${table} batch has no ${column} column`);
    for (const data of vector.data) {
      // Fixed-width values are already sliced to the data's window (apache-arrow _sliceBuffers).
      const values = data.values as BigInt64Array;
      for (let i = 0; i < data.length; i++) {
        const v = values[i];
        if (min === undefined || v < min) min = v;
        if (max === undefined || v > max) max = v;
      }
    }
  }
  if (min === undefined || max === undefined) throw new Error(`no rows: cannot compute the time range of ${table}`);
  return { minTimeNs: min, maxTimeNs: max };
}
