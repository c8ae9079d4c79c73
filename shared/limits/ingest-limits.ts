/**
 * The per-org limits every ingest path enforces before it decodes a request: its size and
 * the org's ingest rate (a token bucket of bytes per org).
 *
 * Several acceptors: with the `global` strategy (Loki's and Mimir's default) an org's rate is
 * for the whole cluster and each acceptor refills its bucket at rate / live acceptors, so the
 * cluster as a whole admits about the configured rate when clients spread their requests
 * (a load balancer in front of the acceptors); the burst is not divided, since it must hold
 * the largest single request. With `local` each acceptor admits the full rate.
 */
import type { MetricsRegistry } from "../metrics/index.ts";
import { AttributeLimits } from "../otlp/attribute-limits.ts";
import { LimitExceededError } from "./errors.ts";
import type { LimitHits } from "./limit-hits.ts";
import type { TenantLimitsTable } from "./tenant-limits.ts";
import { TokenBucket } from "./token-bucket.ts";

export interface IngestLimitsOptions {
  table: TenantLimitsTable;
  hits: LimitHits;
  /**
   * When given, the gauge `shareGauge` shows the instances sharing each org's rate; each role
   * names its own (in the monolith the acceptor and the router share one registry).
   */
  metrics?: { registry: MetricsRegistry; shareGauge: string };
  /** How many instances share an org's rate under the global strategy (at least 1). */
  share: () => number;
}

/** Past this many orgs, buckets that are full again (idle orgs) are forgotten. */
const SWEEP_AT = 10_000;

export class IngestLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly options: IngestLimitsOptions) {
    options.metrics?.registry.gauge(
      options.metrics.shareGauge,
      "live instances sharing each org's ingest rate (limits.ingest_rate_strategy = global; 1 with local)",
      [],
      () => [[undefined, options.table.strategy === "global" ? Math.max(1, options.share()) : 1]],
    );
  }

  /**
   * Charges `bytes` (the decompressed request) to `orgId`, or throws LimitExceededError:
   * `max_request_bytes` and `ingest_burst_bytes` when the request can never pass (no retry
   * information), `ingest_rate_bytes` with the wait after which it would.
   */
  admit(orgId: string, bytes: number, now: number = performance.now()): void {
    const { table, hits } = this.options;
    const limits = table.for(orgId);
    if (bytes > limits.max_request_bytes) {
      hits.hit(orgId, "max_request_bytes");
      throw new LimitExceededError(
        "max_request_bytes",
        orgId,
        `request of ${bytes} bytes exceeds org "${orgId}"'s limit of ${limits.max_request_bytes} bytes (limits.max_request_bytes); send smaller batches`,
      );
    }
    const bucket = this.bucketOf(orgId, now);
    const taken = bucket.take(bytes, now);
    if (taken.ok) return;
    if ("neverFits" in taken) {
      hits.hit(orgId, "ingest_burst_bytes");
      throw new LimitExceededError(
        "ingest_burst_bytes",
        orgId,
        `request of ${bytes} bytes exceeds org "${orgId}"'s ingest burst of ${bucket.burst} bytes (limits.ingest_burst_bytes); send smaller batches`,
      );
    }
    hits.hit(orgId, "ingest_rate_bytes");
    throw new LimitExceededError(
      "ingest_rate_bytes",
      orgId,
      `org "${orgId}" is over its ingest rate of ${limits.ingest_rate_bytes} bytes/s (limits.ingest_rate_bytes; ${this.shareText(bucket.rate)}); retry after ${taken.retryAfterMs} ms`,
      taken.retryAfterMs,
    );
  }

  /** Gives back what `admit` charged for a request that was not stored for a reason of ours. */
  refund(orgId: string, bytes: number, now: number = performance.now()): void {
    this.buckets.get(orgId)?.give(bytes, now);
  }

  /** The org's attribute limits for one request's decode; fresh each time, it counts what it refuses. */
  attributeLimits(orgId: string): AttributeLimits {
    const limits = this.options.table.for(orgId);
    return new AttributeLimits(limits.max_attributes_per_record, limits.max_attribute_value_bytes);
  }

  /** Counts the records a request's decode refused under `attributeLimits(orgId)`. */
  recordAttributeRefusals(orgId: string, refused: AttributeLimits): void {
    if (refused.refusedByCount > 0) this.options.hits.hit(orgId, "max_attributes_per_record", refused.refusedByCount);
    if (refused.refusedByValue > 0) this.options.hits.hit(orgId, "max_attribute_value_bytes", refused.refusedByValue);
  }

  /** This instance's refill rate for `orgId`, bytes per second. */
  localRate(orgId: string): number {
    const rate = this.options.table.for(orgId).ingest_rate_bytes;
    return this.options.table.strategy === "global" ? rate / Math.max(1, this.options.share()) : rate;
  }

  private shareText(localRate: number): string {
    if (this.options.table.strategy === "local") return "local strategy: each instance admits the full rate";
    const share = Math.max(1, this.options.share());
    return `global strategy: this instance admits ${Math.floor(localRate)} bytes/s, shared by ${share} live instance${share === 1 ? "" : "s"}`;
  }

  private bucketOf(orgId: string, now: number): TokenBucket {
    const rate = this.localRate(orgId);
    let bucket = this.buckets.get(orgId);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      bucket = new TokenBucket(rate, this.options.table.for(orgId).ingest_burst_bytes, now);
      this.buckets.set(orgId, bucket);
    } else if (bucket.rate !== rate) {
      bucket.setRate(rate, now);
    }
    return bucket;
  }

  private sweep(now: number): void {
    for (const [orgId, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(orgId);
  }
}
