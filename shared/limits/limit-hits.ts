/**
 * `signalbox_limit_hits_total{org, limit}`: requests, queries or records refused by a
 * per-tenant limit, by the org and the limit's config key. Every role that enforces a limit
 * counts into its own registry under this one name.
 */
import type { MetricsRegistry } from "../metrics/index.ts";
import type { LimitName } from "./tenant-limits.ts";

export class LimitHits {
  private readonly counter;

  constructor(registry: MetricsRegistry | undefined) {
    this.counter = registry?.counter(
      "signalbox_limit_hits_total",
      "requests, queries or records refused by a per-tenant limit, by org and limit (its limits.* key)",
      ["org", "limit"],
    );
  }

  hit(orgId: string, limit: LimitName, count = 1): void {
    this.counter?.inc({ org: orgId, limit }, count);
  }
}
