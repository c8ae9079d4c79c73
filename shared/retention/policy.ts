/**
 * How long rows are kept, per (org, bucket, table): `retention.default` unless an override
 * in `retention.overrides` matches; a period of 0 keeps rows forever. Writers use it to drop files past it; queriers use it to
 * hide rows past it, so a query never sees expired rows even while their files still exist.
 */
import type { TableName } from "../tables/index.ts";

export interface RetentionOverride {
  org: string;
  bucket?: string;
  table?: TableName;
  /** ms */
  period: number;
}

export interface RetentionScope {
  orgId: string;
  bucket: string;
  table: string;
}

const NS_PER_MS = 1_000_000n;

export class RetentionPolicy {
  constructor(
    /** ms */
    private readonly defaultPeriod: number,
    private readonly overrides: readonly RetentionOverride[] = [],
  ) {}

  static fromConfig(config: { retention: { default: number; overrides: readonly RetentionOverride[] } }): RetentionPolicy {
    return new RetentionPolicy(config.retention.default, config.retention.overrides);
  }

  /** The period of the most specific matching override (bucket counts more than table), else the default. */
  periodFor(scope: RetentionScope): number {
    let best: RetentionOverride | undefined;
    let bestRank = -1;
    for (const rule of this.overrides) {
      if (rule.org !== scope.orgId) continue;
      if (rule.bucket !== undefined && rule.bucket !== scope.bucket) continue;
      if (rule.table !== undefined && rule.table !== scope.table) continue;
      const rank = (rule.bucket !== undefined ? 2 : 0) + (rule.table !== undefined ? 1 : 0);
      if (rank > bestRank) {
        best = rule;
        bestRank = rank;
      }
    }
    return best?.period ?? this.defaultPeriod;
  }

  /** Rows whose time is below this (ns since the epoch) are expired at `nowMs`; undefined: kept forever (period 0). */
  cutoffNs(scope: RetentionScope, nowMs: number): bigint | undefined {
    const period = this.periodFor(scope);
    if (period <= 0) return undefined;
    return BigInt(Math.floor(nowMs - period)) * NS_PER_MS;
  }
}
