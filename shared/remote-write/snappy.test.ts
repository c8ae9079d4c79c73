import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { compress, uncompress } from "snappyjs";
import { InflateScratch, SnappyError, SnappyTooLargeError, snappyUncompress } from "./snappy.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** Deterministic bytes: runs, repeats at many distances, and noise, as bodies have. */
function sample(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const mode = (i >> 9) % 4;
    out[i] = mode === 0 ? x >>> 24 : mode === 1 ? 7 : mode === 2 ? out[Math.max(0, i - 1 - ((x >>> 20) % 300))]! : i & 0xff;
  }
  return out;
}

describe("snappyUncompress", () => {
  test("inflates what snappyjs compresses, as snappyjs does", () => {
    for (const [length, seed] of [[0, 1], [1, 2], [59, 3], [60, 4], [61, 5], [300, 6], [70_000, 7], [200_000, 8]] as const) {
      const block = compress(sample(length, seed));
      expect(snappyUncompress(block, 1 << 20)).toEqual(new Uint8Array(uncompress(block)));
    }
  });

  test("inflates into a reused scratch: each result is exactly its own block, whatever came before", () => {
    const scratch = new InflateScratch();
    for (const [length, seed] of [[70_000, 11], [300, 12], [0, 13], [200_000, 14], [61, 15]] as const) {
      const bytes = sample(length, seed);
      expect(snappyUncompress(compress(bytes), 1 << 20, scratch)).toEqual(bytes);
    }
    // A block that fails midway leaves the next inflate unaffected.
    expect(() => snappyUncompress(compress(sample(1000, 16)).subarray(0, 500), 1 << 20, scratch)).toThrow(SnappyError);
    expect(snappyUncompress(compress(sample(1000, 17)), 1 << 20, scratch)).toEqual(sample(1000, 17));
  });

  test("a header claiming more than the block can inflate to is refused before allocating", () => {
    const zeros = new Uint8Array(200_000);
    expect(snappyUncompress(compress(zeros), 1 << 20)).toEqual(zeros);
    // Six bytes claiming 1 MiB: corrupt, whatever the limit.
    expect(() => snappyUncompress(new Uint8Array([0x80, 0x80, 0x40, 0, 0, 0]), 1 << 30)).toThrow(/length header exceeds/);
  });

  test("refuses blocks that overrun, fall short of their length, or point before the start", () => {
    const block = compress(sample(1000, 9));
    expect(() => snappyUncompress(block.subarray(0, block.length - 3), 1 << 20)).toThrow(SnappyError);
    // Declares one byte more than it holds.
    expect(() => snappyUncompress(new Uint8Array([3, 0b100, 1, 2]), 10)).toThrow(/declares/);
    // A copy of offset 5 with only 2 bytes written.
    expect(() => snappyUncompress(new Uint8Array([8, 0b100, 1, 2, 0b01, 5]), 10)).toThrow(/offset/);
    expect(() => snappyUncompress(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]), 10)).toThrow(/length header/);
    expect(() => snappyUncompress(compress(sample(100, 1)), 99)).toThrow(SnappyTooLargeError);
  });
});
