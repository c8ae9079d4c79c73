/**
 * Chooses the BlobStore from `storage.url`: `file://PATH` (or no url: `storage.path`) is a
 * LocalBlobStore; `s3://BUCKET/PREFIX` is an S3BlobStore. S3 settings come from
 * `storage.s3.*`, else from the standard environment variables (`S3_*` first, then `AWS_*`,
 * the same names Bun's S3Client and the AWS tools read).
 */
import { resolve } from "node:path";
import type { Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { BlobStore } from "./blob-store.ts";
import { LocalBlobStore } from "./local.ts";
import type { RetryPolicy } from "./s3-retry.ts";
import { S3BlobStore } from "./s3-store.ts";

export type StorageLocation = { kind: "file"; path: string } | { kind: "s3"; bucket: string; prefix: string };

export class InvalidStorageUrlError extends Error {
  constructor(url: string, reason: string) {
    super(`invalid storage.url ${JSON.stringify(url)}: ${reason}`);
    this.name = "InvalidStorageUrlError";
  }
}

/** `file://` alone means `defaultPath`; `file:///abs` and `file://rel/dir` are paths. */
export function parseStorageUrl(url: string | undefined, defaultPath: string): StorageLocation {
  if (url === undefined || url === "" || url === "file://") return { kind: "file", path: resolve(defaultPath) };
  if (url.startsWith("file://")) return { kind: "file", path: resolve(decodeURIComponent(url.slice("file://".length))) };
  if (url.startsWith("s3://")) {
    const rest = url.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? "" : rest.slice(slash + 1).replace(/^\/+|\/+$/g, "");
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new InvalidStorageUrlError(url, `bad bucket name ${JSON.stringify(bucket)}`);
    if (prefix.split("/").some((s) => s === "" || s === "." || s === "..") && prefix !== "") {
      throw new InvalidStorageUrlError(url, `bad prefix ${JSON.stringify(prefix)}`);
    }
    return { kind: "s3", bucket, prefix };
  }
  throw new InvalidStorageUrlError(url, "expected file://PATH or s3://BUCKET/PREFIX");
}

export interface OpenBlobStoreOptions {
  /** Environment for credentials and endpoint fallbacks (default: process.env). */
  env?: Record<string, string | undefined>;
  retry?: Partial<RetryPolicy>;
}

export function openBlobStore(config: Pick<Config, "storage">, log?: Logger, opts: OpenBlobStoreOptions = {}): BlobStore {
  const location = parseStorageUrl(config.storage.url, config.storage.path);
  if (location.kind === "file") return new LocalBlobStore(location.path);
  const env = opts.env ?? process.env;
  const s3 = config.storage.s3;
  const first = (...values: Array<string | undefined>) => values.find((v) => v !== undefined && v !== "");
  const store = new S3BlobStore({
    bucket: location.bucket,
    prefix: location.prefix,
    endpoint: first(s3.endpoint, env.S3_ENDPOINT, env.AWS_ENDPOINT_URL_S3, env.AWS_ENDPOINT_URL, env.AWS_ENDPOINT),
    region: first(s3.region, env.S3_REGION, env.AWS_REGION, env.AWS_DEFAULT_REGION) ?? "us-east-1",
    accessKeyId: first(s3.access_key_id, env.S3_ACCESS_KEY_ID, env.AWS_ACCESS_KEY_ID),
    secretAccessKey: first(s3.secret_access_key, env.S3_SECRET_ACCESS_KEY, env.AWS_SECRET_ACCESS_KEY),
    sessionToken: first(env.S3_SESSION_TOKEN, env.AWS_SESSION_TOKEN),
    retry: opts.retry,
    log,
  });
  log?.info("storage.opened", { kind: "s3", location: store.location });
  return store;
}
