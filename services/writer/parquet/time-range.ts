/** The smallest and largest row time of a set of batches (the table's TIME_COLUMN, ns). */
import type { RecordBatch } from "apache-arrow";
import { TIME_COLUMN, type TableName } from "../../../shared/tables/index.ts";

export function timeRange(table: TableName, batches: readonly RecordBatch[]): { minTimeNs: bigint; maxTimeNs: bigint } {
  const column = TIME_COLUMN[table];
  // Compared as (signed high, unsigned low) 32-bit words: no BigInt per row.
  let minHi = Infinity;
  let minLo = 0;
  let maxHi = -Infinity;
  let maxLo = 0;
  for (const batch of batches) {
    const vector = batch.getChild(column);
    if (!vector) throw new Error(`${table} batch has no ${column} column`);
    for (const data of vector.data) {
      // Fixed-width values are already sliced to the data's window (apache-arrow _sliceBuffers).
      const values = data.values as BigInt64Array;
      const words = new Int32Array(values.buffer, values.byteOffset, data.length * 2);
      for (let i = 0; i < words.length; i += 2) {
        const lo = words[i]! >>> 0;
        const hi = words[i + 1]!;
        if (hi < minHi || (hi === minHi && lo < minLo)) {
          minHi = hi;
          minLo = lo;
        }
        if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
          maxHi = hi;
          maxLo = lo;
        }
      }
    }
  }
  if (minHi === Infinity) throw new Error(`no rows: cannot compute the time range of ${table}`);
  return { minTimeNs: fromWords(minHi, minLo), maxTimeNs: fromWords(maxHi, maxLo) };
}

function fromWords(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}
