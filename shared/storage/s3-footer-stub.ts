/**
 * Reading a remote Parquet file's footer without downloading the file. A Parquet file ends
 * with `[footer][footer length: u32 LE]["PAR1"]`; a "footer stub" is a sparse local file of
 * the remote file's exact size that holds only the leading magic and that tail (plus any
 * extra byte ranges patched in later, e.g. bloom filters). DuckDB's metadata functions
 * (`parquet_kv_metadata`, `parquet_metadata`, `parquet_bloom_probe`) read nothing else, so
 * they work on the stub — which costs one or two ranged GETs and a few KiB of disk.
 * Never scan a stub's rows: the data pages are zeros.
 */
import { open, mkdir, rm } from "node:fs/promises";
import type { BlobInfo, BlobStore } from "./blob-store.ts";
import { isRemoteBlobStore, type RemoteBlobStore } from "./s3-store.ts";

const MAGIC = new TextEncoder().encode("PAR1");
/** First guess of the tail to fetch: most footers (and DuckDB's bloom filters right before them) fit. */
export const DEFAULT_TAIL_BYTES = 64 * 1024;

export class NotAParquetFileError extends Error {
  constructor(key: string, reason: string) {
    super(`${JSON.stringify(key)} is not a Parquet file: ${reason}`);
    this.name = "NotAParquetFileError";
  }
}

export interface ByteRange {
  offset: number;
  length: number;
}

export interface FooterStub {
  /** The byte ranges the stub holds real data for (the head magic and the fetched tail). */
  held: ByteRange[];
  /** Bytes fetched from the store. */
  fetchedBytes: number;
}

/** Writes a footer stub of the `size`-byte remote file `key` at `destPath` (created or replaced). */
export async function writeFooterStub(
  store: RemoteBlobStore,
  key: string,
  size: number,
  destPath: string,
  tailBytes = DEFAULT_TAIL_BYTES,
): Promise<FooterStub> {
  if (size < 12) throw new NotAParquetFileError(key, `only ${size} bytes`);
  let tailOffset = Math.max(0, size - tailBytes);
  let tail = await store.getRange(key, tailOffset, size - tailOffset);
  let fetchedBytes = tail.byteLength;
  if (tail.byteLength !== size - tailOffset) throw new NotAParquetFileError(key, `short read: ${tail.byteLength} of ${size - tailOffset} tail bytes`);
  if (!endsWithMagic(tail)) throw new NotAParquetFileError(key, "no PAR1 magic at the end");
  const footerLength = new DataView(tail.buffer, tail.byteOffset + tail.byteLength - 8, 4).getUint32(0, true);
  const footerStart = size - 8 - footerLength;
  if (footerStart < 4) throw new NotAParquetFileError(key, `footer length ${footerLength} exceeds the file`);
  if (footerStart < tailOffset) {
    // A large footer: fetch exactly the rest of it.
    const rest = await store.getRange(key, footerStart, tailOffset - footerStart);
    fetchedBytes += rest.byteLength;
    const joined = new Uint8Array(size - footerStart);
    joined.set(rest, 0);
    joined.set(tail, rest.byteLength);
    tail = joined;
    tailOffset = footerStart;
  }
  const fh = await open(destPath, "w");
  try {
    await fh.truncate(size);
    await fh.write(MAGIC, 0, MAGIC.length, 0);
    await fh.write(tail, 0, tail.byteLength, tailOffset);
  } finally {
    await fh.close();
  }
  return { held: [{ offset: 0, length: MAGIC.length }, { offset: tailOffset, length: tail.byteLength }], fetchedBytes };
}

/** Copies the byte ranges the stub does not hold yet from the remote file into it. */
export async function patchFooterStub(store: RemoteBlobStore, key: string, stubPath: string, stub: FooterStub, ranges: ByteRange[]): Promise<number> {
  const missing = ranges.filter((r) => r.length > 0 && !stub.held.some((h) => r.offset >= h.offset && r.offset + r.length <= h.offset + h.length));
  if (missing.length === 0) return 0;
  // One GET spanning them all: bloom filters sit together, and one request beats many.
  const start = Math.min(...missing.map((r) => r.offset));
  const end = Math.max(...missing.map((r) => r.offset + r.length));
  const bytes = await store.getRange(key, start, end - start);
  if (bytes.byteLength !== end - start) throw new NotAParquetFileError(key, `short read: ${bytes.byteLength} of ${end - start} bytes at ${start}`);
  const fh = await open(stubPath, "r+");
  try {
    await fh.write(bytes, 0, bytes.byteLength, start);
  } finally {
    await fh.close();
  }
  stub.held.push({ offset: start, length: bytes.byteLength });
  stub.fetchedBytes += bytes.byteLength;
  return bytes.byteLength;
}

/**
 * Runs `read` with a local path whose Parquet footer is `blob`'s: the file itself for a
 * local store, a temporary footer stub (in `scratchDir`, removed afterwards) for a remote one.
 */
export async function withFooterFile<T>(store: BlobStore, blob: BlobInfo, scratchDir: string, read: (path: string) => Promise<T>): Promise<T> {
  const local = store.localPath(blob.key);
  if (local !== undefined) return read(local);
  if (!isRemoteBlobStore(store)) throw new TypeError(`store for ${JSON.stringify(blob.key)} has neither local paths nor ranged reads`);
  await mkdir(scratchDir, { recursive: true });
  const stubPath = `${scratchDir}/.footer-${crypto.randomUUID()}.parquet`;
  try {
    await writeFooterStub(store, blob.key, blob.bytes, stubPath);
    return await read(stubPath);
  } finally {
    await rm(stubPath, { force: true });
  }
}

function endsWithMagic(bytes: Uint8Array): boolean {
  const n = bytes.byteLength;
  return n >= 4 && MAGIC.every((b, i) => bytes[n - 4 + i] === b);
}
