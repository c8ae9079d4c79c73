/**
 * BlobStore on an S3-compatible object store through Bun's built-in S3Client (no SDK).
 *
 * Atomicity comes from S3 itself: an object becomes visible only when its PUT (or its
 * multipart upload) completes, so a reader never sees a partial file and no temp key is
 * needed. Every upload is verified afterwards (HEAD: the stored size must equal the bytes
 * sent) before the call resolves — only then may the caller record the file in the
 * manifest. Every request is retried with backoff (s3-retry.ts).
 */
import { stat as statLocal, unlink } from "node:fs/promises";
import { S3Client } from "bun";
import type { Logger } from "../log/index.ts";
import { BlobNotFoundError, type BlobInfo, type BlobStore } from "./blob-store.ts";
import { InvalidBlobKeyError } from "./errors.ts";
import { validateKey } from "./local.ts";
import { DEFAULT_RETRY_POLICY, retryWithBackoff, type RetryPolicy } from "./s3-retry.ts";

/** A store whose objects are not local files: readable by byte range and downloadable. */
export interface RemoteBlobStore extends BlobStore {
  readonly remote: true;
  /** A human-readable location for logs, e.g. `s3://bucket/prefix`. */
  readonly location: string;
  /** `length` bytes of `key` from `offset`. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** Streams `key` into the local file `destPath` (created or truncated); resolves to the bytes written. */
  download(key: string, destPath: string): Promise<number>;
}

export function isRemoteBlobStore(store: BlobStore): store is RemoteBlobStore {
  return (store as Partial<RemoteBlobStore>).remote === true;
}

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/` ("" = the bucket root). */
  prefix: string;
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  retry?: Partial<RetryPolicy>;
  /** Keys per ListObjectsV2 page (S3 caps it at 1000). */
  listPageSize?: number;
  log?: Logger;
}

export class UploadVerificationError extends Error {
  constructor(key: string, expected: number, actual: number | null) {
    super(`upload of ${JSON.stringify(key)} not verified: expected ${expected} bytes, the store has ${actual ?? "nothing"}`);
    this.name = "UploadVerificationError";
  }
}

export class S3BlobStore implements RemoteBlobStore {
  readonly remote = true;
  readonly location: string;
  private readonly client: S3Client;
  private readonly retry: RetryPolicy;
  private readonly prefix: string;
  private readonly pageSize: number;
  private readonly log: Logger | undefined;

  constructor(opts: S3BlobStoreOptions) {
    if (!opts.bucket) throw new InvalidBlobKeyError(opts.bucket, "empty S3 bucket name");
    if (opts.prefix) validateKey(opts.prefix);
    this.prefix = opts.prefix;
    this.location = `s3://${opts.bucket}${opts.prefix ? `/${opts.prefix}` : ""}`;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.pageSize = opts.listPageSize ?? 1000;
    this.log = opts.log;
    this.client = new S3Client({
      bucket: opts.bucket,
      endpoint: opts.endpoint,
      region: opts.region,
      accessKeyId: opts.accessKeyId,
      secretAccessKey: opts.secretAccessKey,
      sessionToken: opts.sessionToken,
    });
  }

  localPath(): undefined {
    return undefined;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const full = this.fullKey(key);
    await this.retrying("put", key, async () => {
      await this.client.write(full, data);
      await this.verifySize(key, data.byteLength);
    });
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const full = this.fullKey(key);
    const { size } = await statLocal(localPath);
    await this.retrying("put_file", key, async () => {
      await this.client.write(full, Bun.file(localPath));
      await this.verifySize(key, size);
    });
    // Consumed only once the upload is verified: until then the local copy is the data.
    await unlink(localPath);
  }

  async get(key: string): Promise<Uint8Array> {
    const full = this.fullKey(key);
    return this.retrying("get", key, () => this.mapMissing(key, () => this.client.file(full).bytes()));
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const full = this.fullKey(key);
    if (length <= 0) return new Uint8Array();
    return this.retrying("get_range", key, () => this.mapMissing(key, () => this.client.file(full).slice(offset, offset + length).bytes()));
  }

  async download(key: string, destPath: string): Promise<number> {
    const full = this.fullKey(key);
    return this.retrying("download", key, () => this.mapMissing(key, () => Bun.write(destPath, this.client.file(full))));
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const full = this.fullKey(key);
    return this.retrying("stat", key, () => this.statOnce(key, full));
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    if (prefix.includes("\u0000") || prefix.startsWith("/")) throw new InvalidBlobKeyError(prefix, "bad prefix");
    const root = this.prefix ? `${this.prefix}/` : "";
    const out: BlobInfo[] = [];
    // startAfter (not continuation tokens): every S3-compatible server implements it.
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.retrying("list", prefix, () =>
        this.client.list({ prefix: root + prefix, maxKeys: this.pageSize, ...(startAfter ? { startAfter } : {}) }),
      );
      const contents = page.contents ?? [];
      for (const object of contents) {
        out.push({ key: object.key.slice(root.length), bytes: object.size ?? 0, modifiedAt: toEpochMs(object.lastModified) });
      }
      if (!page.isTruncated || contents.length === 0) break;
      startAfter = contents.reduce((max, o) => (o.key > max ? o.key : max), contents[0]!.key);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async remove(key: string): Promise<void> {
    const full = this.fullKey(key);
    // S3 deletes are idempotent; some servers still answer 404 for an absent key.
    await this.retrying("remove", key, () => this.mapMissing(key, () => this.client.delete(full)).catch((err) => {
      if (!(err instanceof BlobNotFoundError)) throw err;
    }));
  }

  private fullKey(key: string): string {
    validateKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private async verifySize(key: string, expected: number): Promise<void> {
    const actual = (await this.statOnce(key, this.fullKey(key)))?.bytes ?? null;
    if (actual !== expected) throw new UploadVerificationError(key, expected, actual);
  }

  private async statOnce(key: string, full: string): Promise<BlobInfo | null> {
    try {
      const s = await this.client.stat(full);
      return { key, bytes: s.size, modifiedAt: toEpochMs(s.lastModified) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  private async mapMissing<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isMissing(err)) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  private retrying<T>(op: string, key: string, fn: () => Promise<T>): Promise<T> {
    return retryWithBackoff({ op, key }, this.retry, this.log, fn);
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === "NoSuchKey" || code === "NotFound" || code === "ENOENT";
}

function toEpochMs(value: Date | string | undefined): number {
  if (value === undefined) return 0;
  return value instanceof Date ? value.getTime() : Date.parse(value);
}
