/**
 * Retries for remote storage: S3 requests fail transiently (restarts, throttling, resets),
 * and a failed upload must not become a failed flush at the first hiccup. Backoff doubles
 * from `baseMs` up to `maxMs` with full jitter, so writers that lost the server together do
 * not come back in lockstep. Errors a retry cannot fix (a missing key, a bad key) pass at once.
 */
import type { Logger } from "../log/index.ts";
import { withTimeout } from "../timeout/index.ts";
import { BlobNotFoundError } from "./blob-store.ts";
import { InvalidBlobKeyError } from "./errors.ts";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** One attempt's time limit: a hung connection counts as a failure. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 6, baseMs: 100, maxMs: 2_000, attemptTimeoutMs: 60_000 };

export class StorageTimeoutError extends Error {
  constructor(op: string, key: string, ms: number) {
    super(`storage ${op} of ${JSON.stringify(key)} took longer than ${ms} ms`);
    this.name = "StorageTimeoutError";
  }
}

/** Errors retrying cannot fix. */
export function isPermanentStorageError(err: unknown): boolean {
  return err instanceof BlobNotFoundError || err instanceof InvalidBlobKeyError;
}

export async function retryWithBackoff<T>(
  what: { op: string; key: string },
  policy: RetryPolicy,
  log: Logger | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await withTimeout(attempt(), policy.attemptTimeoutMs, () => new StorageTimeoutError(what.op, what.key, policy.attemptTimeoutMs));
    } catch (err) {
      if (isPermanentStorageError(err) || n >= policy.attempts) throw err;
      const delayMs = Math.round(Math.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1)));
      log?.warn("storage.retry", { op: what.op, key: what.key, attempt: n, of: policy.attempts, delay_ms: delayMs, err });
      await Bun.sleep(delayMs);
    }
  }
}
