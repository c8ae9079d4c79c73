/**
 * Where Parquet files are kept. Keys are `/`-separated relative paths (see layout.ts). The
 * local store is the only implementation today; an S3 store (Bun's S3Client) can implement
 * the same interface — hence no file descriptors or directories in it.
 */
export interface BlobInfo {
  key: string;
  bytes: number;
  /** Last modification, epoch ms. */
  modifiedAt: number;
}

export interface BlobStore {
  /** Writes `data` at `key` atomically and durably (all or nothing, survives a crash once resolved). */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Moves a finished local file to `key` atomically and durably (the local file is consumed). */
  putFile(key: string, localPath: string): Promise<void>;
  /** The bytes at `key`; throws BlobNotFoundError when absent. */
  get(key: string): Promise<Uint8Array>;
  /** null when absent. */
  stat(key: string): Promise<BlobInfo | null>;
  /** Every blob whose key starts with `prefix` ("" = all), sorted by key. */
  list(prefix: string): Promise<BlobInfo[]>;
  /** Removes `key`; removing an absent key is not an error (idempotent cleanup). */
  remove(key: string): Promise<void>;
  /** A path DuckDB can read directly, when the store is local; undefined for remote stores. */
  localPath(key: string): string | undefined;
}

export class BlobNotFoundError extends Error {
  constructor(key: string) {
    super(`no blob at ${JSON.stringify(key)}`);
    this.name = "BlobNotFoundError";
  }
}
