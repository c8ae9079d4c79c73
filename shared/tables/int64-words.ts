/**
 * Int64 columns (times in ns) read as pairs of 32-bit words — low (unsigned), then signed
 * high, little-endian — so values are compared and copied without a BigInt per row. The one
 * place the writer's time range, the flush's row order and the stored-time check share.
 */
import type { Data } from "apache-arrow";

/** The values of an Int64 Data as words: [2r] low, [2r + 1] high, for row r. */
export function int64Words(data: Data): Int32Array {
  // Fixed-width values are already sliced to the data's window (apache-arrow _sliceBuffers).
  const values = data.values as BigInt64Array;
  return new Int32Array(values.buffer, values.byteOffset, data.length * 2);
}

/** The smallest and largest int64 seen, kept as words; `add` every column's words, then read. */
export class Int64WordRange {
  minHi = Infinity;
  minLo = 0;
  maxHi = -Infinity;
  maxLo = 0;

  /** Takes the first `rows` values of `words` (all of them by default). */
  add(words: Int32Array, rows = words.length >> 1): void {
    let { minHi, minLo, maxHi, maxLo } = this;
    for (let i = 0; i < rows * 2; i += 2) {
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
    Object.assign(this, { minHi, minLo, maxHi, maxLo });
  }

  get empty(): boolean {
    return this.minHi === Infinity;
  }

  get min(): bigint {
    return wordsToBigInt(this.minHi, this.minLo);
  }

  get max(): bigint {
    return wordsToBigInt(this.maxHi, this.maxLo);
  }
}

/** The first row whose signed high word is negative (a time ≥ 2^63, wrapped), or undefined. */
export function firstNegativeRow(words: Int32Array): number | undefined {
  for (let i = 1; i < words.length; i += 2) if (words[i]! < 0) return i >> 1;
  return undefined;
}

export function wordsToBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}
