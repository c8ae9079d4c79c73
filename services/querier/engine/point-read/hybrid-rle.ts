/**
 * Parquet's RLE / bit-packed hybrid encoding (definition levels and dictionary indexes):
 * runs of one repeated value, or groups of 8 values bit-packed little-endian.
 */

/** The first `count` values of the hybrid run data in `bytes[at, end)`. */
export function readHybrid(bytes: Uint8Array, at: number, end: number, bitWidth: number, count: number): Int32Array {
  return readHybridRange(bytes, at, end, bitWidth, 0, count).values;
}

export interface HybridRange {
  /** Values `[from, to)`. */
  values: Int32Array;
  /** With `sum`, the sum of values `[0, from)`: for definition levels, how many of those rows hold a value. */
  sumBefore: number;
}

/**
 * Values `[from, to)` of the hybrid run data in `bytes[at, end)`. A point read wants a few
 * rows deep into a page: the runs before them are stepped over (only summed), not decoded
 * one value at a time.
 */
export function readHybridRange(bytes: Uint8Array, at: number, end: number, bitWidth: number, from: number, to: number, sum = false): HybridRange {
  const values = new Int32Array(Math.max(0, to - from));
  if (bitWidth === 0 || to <= 0) return { values, sumBefore: 0 };
  if (bitWidth > 32) throw new RangeError(`hybrid bit width ${bitWidth}`);
  const valueBytes = (bitWidth + 7) >> 3;
  let sumBefore = 0;
  let n = 0;
  while (n < to) {
    if (at >= end) throw new RangeError("hybrid runs end before their values");
    let header = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++]!;
      header += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    if (header % 2 === 0) {
      const run = header / 2;
      let value = 0;
      for (let k = 0; k < valueBytes; k++) value |= bytes[at + k]! << (8 * k);
      at += valueBytes;
      const skipped = Math.min(from, n + run) - n;
      if (sum && skipped > 0) sumBefore += value * skipped;
      const lo = Math.max(n, from);
      const hi = Math.min(to, n + run);
      if (hi > lo) values.fill(value, lo - from, hi - from);
      n += run;
    } else {
      const count = ((header - 1) / 2) * 8;
      // Bits are packed least significant first across the group's bytes.
      const skipped = Math.min(from, n + count) - n;
      if (sum && skipped > 0) sumBefore += sumPacked(bytes, at * 8, bitWidth, skipped);
      const lo = Math.max(n, from);
      const hi = Math.min(to, n + count);
      if (hi > lo) unpack(bytes, at * 8 + (lo - n) * bitWidth, bitWidth, values, lo - from, hi - lo);
      at += (count * bitWidth) / 8;
      n += count;
    }
  }
  return { values, sumBefore };
}

/** `count` values of `bitWidth` bits from bit `bit` of `bytes` into `out` from `into`. */
function unpack(bytes: Uint8Array, bit: number, bitWidth: number, out: Int32Array, into: number, count: number): void {
  if (bitWidth <= 24) {
    // A value and its offset in its first byte fit in the 32 bits of 4 bytes (past the end: 0).
    const mask = (1 << bitWidth) - 1;
    for (let k = 0; k < count; k++, bit += bitWidth) {
      const i = bit >> 3;
      const word = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      out[into + k] = (word >>> (bit & 7)) & mask;
    }
    return;
  }
  for (let k = 0; k < count; k++) {
    let value = 0;
    for (let b = 0; b < bitWidth; b++, bit++) value |= ((bytes[bit >> 3]! >> (bit & 7)) & 1) << b;
    out[into + k] = value;
  }
}

/** The sum of `count` packed values from bit `bit` (a group starts on a byte). */
function sumPacked(bytes: Uint8Array, bit: number, bitWidth: number, count: number): number {
  let sum = 0;
  if (bitWidth === 1) {
    // Levels of a flat column: eight to a byte, counted a byte at a time.
    let i = bit >> 3;
    let left = count;
    for (; left >= 8; left -= 8) sum += ONES[bytes[i++]!]!;
    if (left > 0) sum += ONES[bytes[i]! & ((1 << left) - 1)]!;
    return sum;
  }
  const scratch = new Int32Array(count);
  unpack(bytes, bit, bitWidth, scratch, 0, count);
  for (const v of scratch) sum += v;
  return sum;
}

/** Set bits of each byte value. */
const ONES = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x > 0; x >>= 1) n += x & 1;
  return n;
});
