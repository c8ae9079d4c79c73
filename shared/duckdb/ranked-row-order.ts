/**
 * The fast path of sortRowOrder for the usual sort key: dictionary columns (the wire form's
 * repeated text: metric name, service) then one Int64 (a time). A comparison sort of every
 * row costs more than the rest of a metrics flush; here the few distinct dictionary entries
 * are sorted once into ranks, and the rows are placed by stable counting passes — the time
 * (its rank among few distinct times, time-ranks.ts, else its 16-bit digits, least
 * significant first), then the group — so the order is exactly the comparison sort's, ties
 * included (input order).
 */
import type { RecordBatch } from "apache-arrow";
import { Int64WordRange } from "../tables/index.ts";
import type { RowOrder } from "./row-order.ts";
import type { KeyColumn } from "./sort-keys.ts";
import { timeRanks } from "./time-ranks.ts";

const DIGIT_BITS = 16;
const DIGIT_VALUES = 1 << DIGIT_BITS;

/** Undefined when the keys are not dictionaries then one Int64, or have too many distinct groups. */
export function rankedRowOrder(batches: readonly RecordBatch[], keys: readonly KeyColumn[]): RowOrder | undefined {
  const time = keys[keys.length - 1];
  const leading = keys.slice(0, -1);
  if (time?.kind !== "int64") return undefined;
  const dictionaries: Extract<KeyColumn, { kind: "utf8" }>[] = [];
  for (const key of leading) {
    if (key.kind !== "utf8" || key.indices.some((i) => i === undefined)) return undefined;
    dictionaries.push(key);
  }
  const sizes = batches.map((b) => b.numRows);
  const total = sizes.reduce((n, s) => n + s, 0);
  const groups = groupOfRows(dictionaries, sizes, total);
  if (groups === undefined) return undefined;

  const ranks = timeRanks(time.words, sizes, total, DIGIT_VALUES);
  // Few distinct times (time-ranks.ts): the time's rank stands in for its digits, and with few
  // groups too one pass by (group, rank) does both.
  const passes = ranks ? rankKeys(groups, ranks, total) : [...timeDigits(time.words, sizes, total).map((d) => ({ key: d as ArrayLike<number>, values: DIGIT_VALUES })), { key: groups.ofRow, values: groups.count }];
  if (passes.length === 1) return placedInOnePass(passes[0]!.key, passes[0]!.values, sizes, total);
  let order = new Uint32Array(total);
  for (let g = 0; g < total; g++) order[g] = g;
  let spare = new Uint32Array(total);
  const counts = new Uint32Array(Math.max(...passes.map((p) => p.values)));
  for (const { key, values } of passes) {
    if (values > 1 && countingPass(order, spare, key, counts.subarray(0, values))) [order, spare] = [spare, order];
  }
  return toBatchRows(order, sizes);
}

/**
 * The counting passes' keys, least significant first, for ranked times. The one-pass key
 * (group, rank) is written over the groups' array, which nothing reads afterwards.
 */
function rankKeys(groups: { ofRow: Uint32Array; count: number }, ranks: { ofRow: Uint32Array; count: number }, total: number): { key: ArrayLike<number>; values: number }[] {
  const values = groups.count * ranks.count;
  if (values > Math.max(DIGIT_VALUES, total)) return [{ key: ranks.ofRow, values: ranks.count }, { key: groups.ofRow, values: groups.count }];
  const key = groups.ofRow;
  for (let g = 0; g < total; g++) key[g] = key[g]! * ranks.count + ranks.ofRow[g]!;
  return [{ key, values }];
}

/**
 * Each row's rank among the distinct tuples of its dictionary entries. The entries' bytes as
 * Latin-1 text compare as the UTF-8 bytes do (one char per byte), as the comparison sort does.
 */
function groupOfRows(dictionaries: readonly Extract<KeyColumn, { kind: "utf8" }>[], sizes: readonly number[], total: number): { ofRow: Uint32Array; count: number } | undefined {
  const ofRow = new Uint32Array(total);
  let count = 1;
  for (const key of dictionaries) {
    const entryRanks = rankEntries(key);
    const distinct = entryRanks.distinct;
    count *= distinct;
    // Groups are counted in one array: many distinct tuples are not this path's case.
    if (count > Math.max(DIGIT_VALUES, total)) return undefined;
    for (let b = 0, g = 0; b < sizes.length; b++) {
      const indices = key.indices[b]!;
      const ranks = entryRanks.perBatch[b]!;
      for (let r = 0; r < sizes[b]!; r++, g++) ofRow[g] = ofRow[g]! * distinct + ranks[indices[r]!]!;
    }
  }
  return { ofRow, count };
}

function rankEntries(key: Extract<KeyColumn, { kind: "utf8" }>): { perBatch: Uint32Array[]; distinct: number } {
  const texts = key.offsets.map((offsets, b) => {
    const values = key.values[b]!;
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    return Array.from({ length: offsets.length - 1 }, (_, e) => bytes.toString("latin1", offsets[e]!, offsets[e + 1]!));
  });
  const sorted = [...new Set(texts.flat())].sort();
  const rank = new Map(sorted.map((text, i) => [text, i]));
  return { perBatch: texts.map((entries) => Uint32Array.from(entries, (t) => rank.get(t)!)), distinct: sorted.length };
}

/**
 * Each row's time minus the smallest, as four 16-bit digits (least significant first); digits
 * that no row sets are left out. The difference of two int64s fits in 64 unsigned bits.
 */
function timeDigits(words: readonly Int32Array[], sizes: readonly number[], total: number): Uint16Array[] {
  const range = new Int64WordRange();
  for (let b = 0; b < sizes.length; b++) range.add(words[b]!, sizes[b]!);
  const { minHi, minLo } = range;
  const digits = [0, 1, 2, 3].map(() => new Uint16Array(total));
  const [d0, d1, d2, d3] = digits as [Uint16Array, Uint16Array, Uint16Array, Uint16Array];
  let used = 0;
  for (let b = 0, g = 0; b < sizes.length; b++) {
    const w = words[b]!;
    for (let r = 0; r < sizes[b]!; r++, g++) {
      const lo = w[r * 2]! >>> 0;
      const borrow = lo < minLo ? 1 : 0;
      const dLo = (lo - minLo) >>> 0;
      const dHi = (w[r * 2 + 1]! - minHi - borrow) >>> 0;
      d0[g] = dLo;
      d1[g] = dLo >>> 16;
      d2[g] = dHi;
      d3[g] = dHi >>> 16;
      used |= (dLo & 0xffff ? 1 : 0) | (dLo >>> 16 ? 2 : 0) | (dHi & 0xffff ? 4 : 0) | (dHi >>> 16 ? 8 : 0);
    }
  }
  return digits.filter((_, k) => used & (1 << k));
}

/** One stable counting pass of `order` by `key` into `out`; false when every row has the same key (nothing moved). */
function countingPass(order: Uint32Array, out: Uint32Array, key: ArrayLike<number>, counts: Uint32Array): boolean {
  counts.fill(0);
  const n = order.length;
  for (let i = 0; i < n; i++) counts[key[i]!]!++;
  let start = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k]!;
    if (c === n) return false;
    counts[k] = start;
    start += c;
  }
  for (let i = 0; i < n; i++) {
    const g = order[i]!;
    out[counts[key[g]!]!++] = g;
  }
  return true;
}

/**
 * One stable counting pass over the rows in input order that writes each row's batch and
 * row straight to its place: the same order as countingPass then toBatchRows, without the
 * permutation between them.
 */
function placedInOnePass(key: ArrayLike<number>, values: number, sizes: readonly number[], total: number): RowOrder {
  const starts = new Uint32Array(values);
  for (let g = 0; g < total; g++) starts[key[g]!]!++;
  for (let k = 0, start = 0; k < values; k++) {
    const c = starts[k]!;
    starts[k] = start;
    start += c;
  }
  const batch = new Uint32Array(total);
  const row = new Uint32Array(total);
  for (let b = 0, g = 0; b < sizes.length; b++) {
    for (let r = 0; r < sizes[b]!; r++, g++) {
      const at = starts[key[g]!]!++;
      batch[at] = b;
      row[at] = r;
    }
  }
  return { batch, row };
}

function toBatchRows(order: Uint32Array, sizes: readonly number[]): RowOrder {
  const batchOf = new Uint32Array(order.length);
  const rowOf = new Uint32Array(order.length);
  for (let b = 0, g = 0; b < sizes.length; b++) {
    for (let r = 0; r < sizes[b]!; r++, g++) {
      batchOf[g] = b;
      rowOf[g] = r;
    }
  }
  const batch = new Uint32Array(order.length);
  const row = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    batch[i] = batchOf[order[i]!]!;
    row[i] = rowOf[order[i]!]!;
  }
  return { batch, row };
}
