/**
 * Reads an OTLP/HTTP request body under a byte limit that applies AFTER decompression.
 * The body is read and inflated incrementally and abandoned as soon as the limit is
 * passed, so a gzip bomb costs at most about `limit` bytes of memory, never its expanded size.
 */
import { createGunzip, type Gunzip } from "node:zlib";
import { BodyTooLargeError, BoundedBuffer, readBounded } from "../../shared/http/index.ts";

/** The decompressed body (or the raw body when it was not compressed) exceeds the limit. */
export { BodyTooLargeError };

export const AFTER_DECOMPRESSION = "after decompression";

/** A Content-Encoding other than gzip or identity. */
export class UnsupportedEncodingError extends Error {
  override readonly name = "UnsupportedEncodingError";
  constructor(readonly encoding: string) {
    super(`unsupported Content-Encoding "${encoding}" (supported: gzip, identity)`);
  }
}

/** The body claims gzip but does not inflate. */
export class BadCompressionError extends Error {
  override readonly name = "BadCompressionError";
  constructor(reason: string) {
    super(`request body is not valid gzip: ${reason}`);
  }
}

export type BodyEncoding = "identity" | "gzip";

/** `null`/empty/`identity` → identity; `gzip` (and its legacy alias `x-gzip`) → gzip. */
export function parseContentEncoding(header: string | null): BodyEncoding {
  const value = (header ?? "").trim().toLowerCase();
  if (value === "" || value === "identity") return "identity";
  if (value === "gzip" || value === "x-gzip") return "gzip";
  throw new UnsupportedEncodingError(value);
}

/**
 * A gzip body can legitimately be a little larger than what it inflates to (stored blocks
 * of incompressible data); allow that much on the wire before giving up early.
 */
export function compressedLimit(limit: number): number {
  return limit + Math.ceil(limit / 1000) + 1024;
}

export async function readBody(
  stream: ReadableStream<Uint8Array> | null,
  encoding: BodyEncoding,
  limit: number,
): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  return encoding === "gzip" ? readGzip(stream, limit) : readBounded(stream, limit, AFTER_DECOMPRESSION);
}

/**
 * Feeds the wire bytes to a streaming inflater one chunk at a time and waits for each
 * chunk to be consumed (backpressure), so inflated output is produced in small pieces
 * and the first piece past the limit stops everything.
 */
async function readGzip(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const out = new BoundedBuffer(limit, AFTER_DECOMPRESSION);
  const wireLimit = compressedLimit(limit);
  let wireBytes = 0;
  const gunzip = createGunzip();
  const reader = stream.getReader();

  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    gunzip.destroy();
  };
  const finished = new Promise<void>((resolve) => {
    gunzip.on("data", (chunk: Buffer) => {
      if (failure) return;
      try {
        out.push(chunk);
      } catch (err) {
        fail(err as Error);
        resolve();
      }
    });
    gunzip.on("error", (err) => {
      fail(failure ?? new BadCompressionError(err.message));
      resolve();
    });
    gunzip.on("end", () => resolve());
    gunzip.on("close", () => resolve());
  });

  try {
    while (!failure) {
      const { done, value } = await reader.read();
      if (done) break;
      wireBytes += value.byteLength;
      if (wireBytes > wireLimit) throw new BodyTooLargeError(limit, AFTER_DECOMPRESSION);
      if (!(await writeChunk(gunzip, value))) break;
    }
    if (!failure) gunzip.end();
    await finished;
  } catch (err) {
    fail(err as Error);
  } finally {
    if (failure) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  if (failure) throw failure;
  return out.concat();
}

/** Writes one chunk and waits until the inflater wants more; false once it is destroyed. */
function writeChunk(gunzip: Gunzip, chunk: Uint8Array): Promise<boolean> {
  if (gunzip.destroyed) return Promise.resolve(false);
  if (gunzip.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const done = (more: boolean) => {
      gunzip.off("drain", onDrain);
      gunzip.off("close", onClose);
      resolve(more);
    };
    gunzip.once("drain", onDrain);
    gunzip.once("close", onClose);
  });
}
