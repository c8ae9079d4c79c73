/**
 * The limits one org is held to: the `limits.` defaults with that org's
 * `limits.overrides.<org>` laid over them.
 */
import type { LimitsConfig, TenantLimits } from "../config/limits-schema.ts";

export type { LimitsConfig, TenantLimits };

/** A per-org limit's key, as it appears in the config and in the `limit` label of /metrics. */
export type LimitName = keyof TenantLimits;

export class TenantLimitsTable {
  /** Orgs with an override, merged once (any other org gets the defaults object itself). */
  private readonly resolved = new Map<string, TenantLimits>();
  private readonly defaults: TenantLimits;

  constructor(private readonly config: LimitsConfig) {
    const { ingest_rate_strategy: _strategy, overrides: _overrides, ...defaults } = config;
    this.defaults = defaults;
  }

  get strategy(): LimitsConfig["ingest_rate_strategy"] {
    return this.config.ingest_rate_strategy;
  }

  for(orgId: string): TenantLimits {
    // Own keys only: an org named like an Object.prototype member ("constructor") has no override.
    if (!Object.hasOwn(this.config.overrides, orgId)) return this.defaults;
    let limits = this.resolved.get(orgId);
    if (!limits) {
      limits = { ...this.defaults, ...definedOnly(this.config.overrides[orgId]!) };
      this.resolved.set(orgId, limits);
    }
    return limits;
  }
}

function definedOnly<T extends object>(partial: T): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}
