/**
 * A request refused by a per-tenant limit. Each front end turns it into its own status:
 * OTLP 429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo when waiting helps
 * (`retryAfterMs`), 413 / RESOURCE_EXHAUSTED without RetryInfo when it never will, and a
 * query API's 400 or 429.
 */
import type { LimitName } from "./tenant-limits.ts";

export class LimitExceededError extends Error {
  override readonly name = "LimitExceededError";
  constructor(
    readonly limit: LimitName,
    readonly orgId: string,
    message: string,
    /** Set when the same request may succeed later (rate and concurrency limits). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Whole seconds for HTTP Retry-After: rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
