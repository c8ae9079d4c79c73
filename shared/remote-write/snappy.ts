/**
 * Snappy block format (not the framed format), as Prometheus remote write uses it. The
 * uncompressed length is read from the block header first, so a body that would inflate past
 * the limit is refused before anything is allocated.
 */
import { compress, uncompress } from "snappyjs";

export class SnappyError extends Error {
  override readonly name = "SnappyError";
}

export class SnappyTooLargeError extends Error {
  override readonly name = "SnappyTooLargeError";
}

export function snappyUncompress(block: Uint8Array, maxBytes: number): Uint8Array {
  const declared = uncompressedLength(block);
  if (declared === undefined) throw new SnappyError("invalid snappy block: bad length header");
  if (declared > maxBytes) throw new SnappyTooLargeError(`snappy body inflates to ${declared} bytes, over the limit of ${maxBytes}`);
  try {
    return uncompress(block, maxBytes);
  } catch (err) {
    throw new SnappyError(`invalid snappy block: ${(err as Error).message}`);
  }
}

export function snappyCompress(bytes: Uint8Array): Uint8Array {
  return compress(bytes);
}

/** The varint at the head of a snappy block. */
function uncompressedLength(block: Uint8Array): number | undefined {
  let value = 0;
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    const b = block[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
  }
  return undefined;
}
