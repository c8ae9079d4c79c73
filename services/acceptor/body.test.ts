import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import {
  BadCompressionError,
  BodyTooLargeError,
  parseContentEncoding,
  readBody,
  UnsupportedEncodingError,
} from "./body.ts";

const MiB = 1024 * 1024;

/** A stream that hands out `bytes` in `chunkSize` pieces, like a socket would. */
function chunked(bytes: Uint8Array, chunkSize = 16 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunkSize));
      at += chunkSize;
    },
  });
}

async function rejection(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("parseContentEncoding", () => {
  test("identity and gzip", () => {
    expect(parseContentEncoding(null)).toBe("identity");
    expect(parseContentEncoding("")).toBe("identity");
    expect(parseContentEncoding("Identity")).toBe("identity");
    expect(parseContentEncoding("GZIP")).toBe("gzip");
    expect(parseContentEncoding("x-gzip")).toBe("gzip");
  });
  test("anything else is unsupported", () => {
    expect(() => parseContentEncoding("br")).toThrow(UnsupportedEncodingError);
    expect(() => parseContentEncoding("deflate")).toThrow('unsupported Content-Encoding "deflate"');
  });
});

describe("readBody", () => {
  test("reads a plain body in chunks", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(50_000));
    expect(await readBody(chunked(bytes, 1000), "identity", 50_000)).toEqual(bytes);
  });

  test("a plain body one byte over the limit is refused", async () => {
    const err = await rejection(readBody(chunked(new Uint8Array(50_001), 1000), "identity", 50_000));
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(err.message).toBe("request body exceeds the limit of 50000 bytes (after decompression)");
  });

  test("inflates gzip", async () => {
    const text = new TextEncoder().encode("span ".repeat(10_000));
    expect(await readBody(chunked(gzipSync(text), 100), "gzip", 50_000)).toEqual(text);
  });

  test("the limit applies after decompression", async () => {
    const text = new TextEncoder().encode("x".repeat(50_001));
    expect(await rejection(readBody(chunked(gzipSync(text)), "gzip", 50_000))).toBeInstanceOf(BodyTooLargeError);
  });

  test("a gzip bomb stops at the limit without inflating it all", async () => {
    const bomb = gzipSync(new Uint8Array(100 * MiB), { level: 9 });
    expect(bomb.byteLength).toBeLessThan(200 * 1024);
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    const err = await rejection(readBody(chunked(bomb), "gzip", MiB));
    const grown = process.memoryUsage().rss - before;
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(grown).toBeLessThan(40 * MiB);
  });

  test("bytes that are not gzip, and truncated gzip, are BadCompressionError", async () => {
    const notGzip = await rejection(readBody(chunked(new Uint8Array([1, 2, 3, 4])), "gzip", MiB));
    expect(notGzip).toBeInstanceOf(BadCompressionError);
    expect(notGzip.message).toStartWith("request body is not valid gzip:");
    const full = gzipSync(new TextEncoder().encode("hello ".repeat(1000)));
    const truncated = await rejection(readBody(chunked(full.subarray(0, full.byteLength - 10)), "gzip", MiB));
    expect(truncated).toBeInstanceOf(BadCompressionError);
  });

  test("no body is an empty body", async () => {
    expect(await readBody(null, "identity", 10)).toEqual(new Uint8Array(0));
  });
});
