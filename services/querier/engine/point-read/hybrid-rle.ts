/**
 * Parquet's RLE / bit-packed hybrid encoding (definition levels and dictionary indexes):
 * runs of one repeated value, or groups of 8 values bit-packed little-endian.
 */

/** The first `count` values of the hybrid run data in `bytes[at, end)`. */
export function readHybrid(bytes: Uint8Array, at: number, end: number, bitWidth: number, count: number): Int32Array {
  const out = new Int32Array(count);
  if (bitWidth === 0) return out;
  if (bitWidth > 32) throw new RangeError(`hybrid bit width ${bitWidth}`);
  const valueBytes = (bitWidth + 7) >> 3;
  let n = 0;
  while (n < count) {
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
      out.fill(value, n, Math.min(count, n + run));
      n += run;
    } else {
      const values = ((header - 1) / 2) * 8;
      const take = Math.min(values, count - n);
      // Bits are packed least significant first across the group's bytes.
      let bit = at * 8;
      if (bitWidth <= 24) {
        // A value and its offset in its first byte fit in the 32 bits of 4 bytes (past the end: 0).
        const mask = (1 << bitWidth) - 1;
        for (let k = 0; k < take; k++, bit += bitWidth) {
          const i = bit >> 3;
          const word = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
          out[n + k] = (word >>> (bit & 7)) & mask;
        }
      } else {
        for (let k = 0; k < take; k++) {
          let value = 0;
          for (let b = 0; b < bitWidth; b++, bit++) value |= ((bytes[bit >> 3]! >> (bit & 7)) & 1) << b;
          out[n + k] = value;
        }
      }
      at += (values * bitWidth) / 8;
      n += values;
    }
  }
  return out;
}
