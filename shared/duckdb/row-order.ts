/**
 * A sort order over the rows of several Arrow batches, computed in JS so a sorted Parquet
 * file costs a pointer sort instead of DuckDB's ORDER BY, which moves whole rows (≈ 1.5 KB a
 * span) through its sort and costs several times more CPU than the rest of the flush.
 *
 * Keys are the UTF-8 bytes of Utf8 columns (byte order = DuckDB's VARCHAR order) and signed
 * Int64 values, compared column by column; ties keep the input order (stable), as DuckDB's
 * ORDER BY on a single thread does.
 */
import type { RecordBatch } from "apache-arrow";
import { rankedRowOrder } from "./ranked-row-order.ts";
import { keyColumn, type KeyColumn } from "./sort-keys.ts";

/** Row `i` of the output is row `row[i]` of batch `batch[i]`. */
export interface RowOrder {
  readonly batch: Uint32Array;
  readonly row: Uint32Array;
}

/** Batch by batch, row by row: the order the batches are in. */
export function identityRowOrder(batches: readonly RecordBatch[]): RowOrder {
  const total = batches.reduce((n, b) => n + b.numRows, 0);
  const batch = new Uint32Array(total);
  const row = new Uint32Array(total);
  for (let b = 0, g = 0; b < batches.length; b++) {
    for (let r = 0; r < batches[b]!.numRows; r++, g++) {
      batch[g] = b;
      row[g] = r;
    }
  }
  return { batch, row };
}

export function sortRowOrder(batches: readonly RecordBatch[], columns: readonly string[]): RowOrder {
  const keys = columns.map((name) => keyColumn(batches, name));
  return rankedRowOrder(batches, keys) ?? comparedRowOrder(batches, keys);
}

/** The general path: a comparison sort of every row. Exported for the tests of the fast path. */
export function comparedRowOrder(batches: readonly RecordBatch[], keys: readonly KeyColumn[]): RowOrder {
  const { batch: batchOf, row: rowOf } = identityRowOrder(batches);
  const total = batchOf.length;
  // The first key's leading 6 bytes (or the high word of an int) as a number decide most
  // comparisons without touching the column buffers again.
  const prefix = new Float64Array(total);
  for (let g = 0; g < total; g++) prefix[g] = leadingKey(keys[0]!, batchOf[g]!, rowOf[g]!);

  const compare = (a: number, b: number): number => {
    const d = prefix[a]! - prefix[b]!;
    if (d !== 0) return d;
    for (const key of keys) {
      const c = compareKey(key, batchOf[a]!, rowOf[a]!, batchOf[b]!, rowOf[b]!);
      if (c !== 0) return c;
    }
    return a - b;
  };
  const order = Array.from({ length: total }, (_, i) => i).sort(compare);
  const batch = new Uint32Array(total);
  const row = new Uint32Array(total);
  for (let i = 0; i < total; i++) {
    batch[i] = batchOf[order[i]!]!;
    row[i] = rowOf[order[i]!]!;
  }
  return { batch, row };
}

function leadingKey(key: KeyColumn, b: number, r: number): number {
  if (key.kind === "int64") return key.words[b]![r * 2 + 1]!; // little-endian: signed high word
  const offsets = key.offsets[b]!;
  const values = key.values[b]!;
  const at = key.indices[b]?.[r] ?? r;
  const from = offsets[at]!;
  const len = offsets[at + 1]! - from;
  let v = 0;
  // Missing bytes count as -1 so "ab" sorts before "ab\0".
  for (let k = 0; k < 6; k++) v = v * 257 + (k < len ? values[from + k]! + 1 : 0);
  return v;
}

function compareKey(key: KeyColumn, ba: number, ra: number, bb: number, rb: number): number {
  if (key.kind === "int64") {
    const wa = key.words[ba]!;
    const wb = key.words[bb]!;
    const hi = wa[ra * 2 + 1]! - wb[rb * 2 + 1]!;
    if (hi !== 0) return hi;
    return (wa[ra * 2]! >>> 0) - (wb[rb * 2]! >>> 0);
  }
  const va = key.values[ba]!;
  const vb = key.values[bb]!;
  const xa = key.indices[ba]?.[ra] ?? ra;
  const xb = key.indices[bb]?.[rb] ?? rb;
  let ia = key.offsets[ba]![xa]!;
  let ib = key.offsets[bb]![xb]!;
  const ea = key.offsets[ba]![xa + 1]!;
  const eb = key.offsets[bb]![xb + 1]!;
  for (; ia < ea && ib < eb; ia++, ib++) {
    const d = va[ia]! - vb[ib]!;
    if (d !== 0) return d;
  }
  return ea - ia - (eb - ib);
}
