/**
 * Reading an HTTP request body under a byte limit, chunk by chunk, abandoned the moment the
 * limit is passed: a client announcing nothing (chunked) or lying cannot make a server hold
 * more than `limit` bytes of its body.
 */

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  constructor(
    readonly limit: number,
    /** What the limit applies to, e.g. "after decompression". */
    note?: string,
  ) {
    super(`request body exceeds the limit of ${limit} bytes${note ? ` (${note})` : ""}`);
  }
}

/** Collects chunks up to `limit` bytes; throws the moment one more byte would pass it. */
export class BoundedBuffer {
  private readonly chunks: Uint8Array[] = [];
  size = 0;
  constructor(
    private readonly limit: number,
    private readonly note?: string,
  ) {}

  push(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    if (this.size > this.limit) throw new BodyTooLargeError(this.limit, this.note);
    this.chunks.push(chunk);
  }

  concat(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }
}

/** The whole body, or BodyTooLargeError as soon as it passes `limit` (the rest is not read). */
export async function readBounded(stream: ReadableStream<Uint8Array> | null, limit: number, note?: string): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const out = new BoundedBuffer(limit, note);
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return out.concat();
      out.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {}); // the error that matters is `err`
    throw err;
  } finally {
    reader.releaseLock();
  }
}
