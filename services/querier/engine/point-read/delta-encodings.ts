/**
 * Parquet's delta encodings that DuckDB writes in version 2 pages (when a column gets no
 * dictionary): integers as bit-packed deltas from a running value (DELTA_BINARY_PACKED),
 * byte arrays as delta-packed lengths then the bytes (DELTA_LENGTH_BYTE_ARRAY). Only the
 * values asked for are decoded, but every block header is walked, since what follows a
 * run starts after its last block.
 */

import { ByteCursor } from "./byte-cursor.ts";

/** The first `count` integers of a DELTA_BINARY_PACKED run at `at`, and the offset just past the whole run. */
export function readDeltaBinaryPacked(bytes: Uint8Array, at: number, count: number): { values: bigint[]; end: number } {
  const c = new ByteCursor(bytes, at, "delta run");
  const blockSize = c.varint();
  const miniblocks = c.varint();
  const total = c.varint();
  let current = c.int64();
  const perMiniblock = blockSize / miniblocks;
  if (!Number.isInteger(perMiniblock) || perMiniblock % 8 !== 0) throw new RangeError(`delta block of ${blockSize} values in ${miniblocks} miniblocks`);
  const values: bigint[] = [];
  if (total > 0 && count > 0) values.push(current);
  let read = 1;
  while (read < total) {
    const minDelta = c.int64();
    const widths = bytes.subarray(c.at, c.at + miniblocks);
    c.at += miniblocks;
    for (let m = 0; m < miniblocks; m++) {
      const width = widths[m]!;
      if (width > 64) throw new RangeError(`delta bit width ${width}`);
      // Miniblocks past the last value are absent, not padded.
      if (read >= total) break;
      for (let k = 0; k < perMiniblock && values.length < count && read + k < total; k++) {
        current = BigInt.asIntN(64, current + minDelta + unpack(bytes, c.at * 8 + k * width, width));
        values.push(current);
      }
      c.at += (perMiniblock * width) / 8;
      read += perMiniblock;
    }
  }
  return { values, end: c.at };
}

/** The first `count` values of a DELTA_LENGTH_BYTE_ARRAY run at `at`, as byte ranges of `bytes`, and the offset past the run. */
export function readDeltaLengthByteArray(bytes: Uint8Array, at: number, count: number): { values: Uint8Array[]; end: number } {
  const all = readDeltaBinaryPacked(bytes, at, Infinity);
  const values: Uint8Array[] = [];
  let offset = all.end;
  for (let i = 0; i < all.values.length; i++) {
    const length = Number(all.values[i]!);
    if (i < count) values.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return { values, end: offset };
}

/** `width` bits starting at bit `bit`, least significant first. */
function unpack(bytes: Uint8Array, bit: number, width: number): bigint {
  if (width === 0) return 0n;
  let value = 0;
  let high = 0n;
  let got = 0;
  // Up to 48 bits add exactly in a double; the rest is added as a bigint.
  while (got < width) {
    const shift = bit & 7;
    const take = Math.min(8 - shift, width - got);
    const part = (bytes[bit >> 3]! >> shift) & ((1 << take) - 1);
    if (got + take <= 48) value += part * 2 ** got;
    else high |= BigInt(part) << BigInt(got);
    got += take;
    bit += take;
  }
  return BigInt(value) | high;
}
