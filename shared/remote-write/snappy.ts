/**
 * Snappy block format (not the framed format), as Prometheus remote write uses it. The
 * uncompressed length is read from the block header first, so a body that would inflate past
 * the limit is refused before anything is allocated.
 *
 * Decompression is our own: snappyjs copies every literal and match byte by byte, which made
 * it a tenth of remote write's ingest profile; here long runs are one native copy. A block
 * must fill exactly the length it declares, as Go's snappy (Prometheus's) requires.
 */
import { compress } from "snappyjs";

export class SnappyError extends Error {
  override readonly name = "SnappyError";
}

export class SnappyTooLargeError extends Error {
  override readonly name = "SnappyTooLargeError";
}

/** Copies shorter than this are done byte by byte: cheaper than a native call. */
const SHORT_COPY = 8;

/**
 * One output buffer for every inflate that passes it, grown to the largest body seen: a
 * fresh multi-MiB array per request costs a page fault per 4 KiB touched. The result of an
 * inflate into it is a view, valid until the next inflate into the same scratch; every byte
 * of it is written by that inflate (a block must fill its declared length exactly).
 */
export class InflateScratch {
  private buffer = new Uint8Array(0);

  view(length: number): Uint8Array {
    if (this.buffer.length < length) this.buffer = new Uint8Array(length);
    return this.buffer.subarray(0, length);
  }
}

/** `into`: inflate into that scratch (the result is a view of it) rather than a new array. */
export function snappyUncompress(block: Uint8Array, maxBytes: number, into?: InflateScratch): Uint8Array {
  const header = uncompressedLength(block);
  if (header === undefined) throw new SnappyError("invalid snappy block: bad length header");
  const length = header.value;
  if (length > maxBytes) throw new SnappyTooLargeError(`snappy body inflates to ${length} bytes, over the limit of ${maxBytes}`);
  // No element yields more than 64 bytes per 3 of input (a two-byte-offset copy): a header
  // claiming more is corrupt, and refusing it here keeps a tiny body from allocating the limit.
  if (length > ((block.length - header.bytes) * 64) / 3) throw corrupt("length header exceeds what the block can inflate to");
  const out = into ? into.view(length) : new Uint8Array(length);
  const end = block.length;
  let pos = header.bytes;
  let o = 0;
  while (pos < end) {
    const tag = block[pos++]!;
    const kind = tag & 3;
    let len: number;
    if (kind === 0) {
      len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (pos + extra > end) throw corrupt("literal length runs past the block");
        len = 0;
        for (let k = extra - 1; k >= 0; k--) len = len * 256 + block[pos + k]!;
        pos += extra;
      }
      len += 1;
      if (pos + len > end) throw corrupt("literal runs past the block");
      if (o + len > length) throw corrupt("literal runs past the declared length");
      if (len < SHORT_COPY) for (let k = 0; k < len; k++) out[o + k] = block[pos + k]!;
      else out.set(block.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > end) throw corrupt("copy runs past the block");
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | block[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (pos + 2 > end) throw corrupt("copy runs past the block");
      len = (tag >>> 2) + 1;
      offset = block[pos]! | (block[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > end) throw corrupt("copy runs past the block");
      len = (tag >>> 2) + 1;
      offset = (block[pos]! | (block[pos + 1]! << 8) | (block[pos + 2]! << 16) | (block[pos + 3]! << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > o) throw corrupt("copy offset out of range");
    if (o + len > length) throw corrupt("copy runs past the declared length");
    const from = o - offset;
    // An overlapping copy (offset < len) repeats the bytes it writes: only byte order does that.
    if (len < SHORT_COPY || offset < len) for (let k = 0; k < len; k++) out[o + k] = out[from + k]!;
    else out.copyWithin(o, from, from + len);
    o += len;
  }
  if (o !== length) throw corrupt(`inflates to ${o} bytes, not the ${length} it declares`);
  return out;
}

function corrupt(what: string): SnappyError {
  return new SnappyError(`invalid snappy block: ${what}`);
}

export function snappyCompress(bytes: Uint8Array): Uint8Array {
  return compress(bytes);
}

/** The varint at the head of a snappy block (at most 32 bits), and its size. */
function uncompressedLength(block: Uint8Array): { value: number; bytes: number } | undefined {
  let value = 0;
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    const b = block[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value > 0xffffffff ? undefined : { value, bytes: i + 1 };
  }
  return undefined;
}
