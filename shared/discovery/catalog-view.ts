/**
 * The resolver's view of the catalog registry: asks on every call (discovery.cache_ttl 0) or caches,
 * and keeps the last good answer when the catalog cannot be reached. An outage is logged
 * once when it starts and once when it ends, however many calls it spans; while it lasts,
 * callers get the last good view at once and only the background probe asks the catalog.
 */
import type { ServiceInstance } from "../catalog/model.ts";
import type { CatalogRepository } from "../catalog/repository.ts";
import type { Logger } from "../log/index.ts";
import { answerWithin } from "./errors.ts";
import type { CatalogHealth } from "./types.ts";

export interface CatalogViewOptions {
  catalog: CatalogRepository;
  ttlMs: number;
  /** 0 = ask on every read. */
  cacheTtlMs: number;
  /** Deadline of one catalog query; past it the catalog counts as down. */
  timeoutMs: number;
  log: Logger;
}

export class CatalogView {
  private current: readonly ServiceInstance[] = [];
  private fetchedAt = -Infinity;
  private state: CatalogHealth = "ok";
  private downSince = 0;
  private inflight: Promise<void> | null = null;

  constructor(private readonly options: CatalogViewOptions) {}

  get health(): CatalogHealth {
    return this.state;
  }

  /** The last good list of rows seen within ttl (unfiltered by age while the catalog is down). */
  get rows(): readonly ServiceInstance[] {
    return this.current;
  }

  /** Bring the view up to date as the cache policy asks; never throws. */
  async read(): Promise<void> {
    if (this.state === "down") return; // the probe, not the caller, finds out when it is back
    const fresh = this.options.cacheTtlMs > 0 && Date.now() - this.fetchedAt < this.options.cacheTtlMs;
    if (fresh) return;
    if (this.options.cacheTtlMs === 0) return this.fetch();
    // With a cache, concurrent callers share one query.
    this.inflight ??= this.fetch().finally(() => (this.inflight = null));
    return this.inflight;
  }

  /** Ask the catalog now, whatever the cache says (background refresh and outage probe). */
  refresh(): Promise<void> {
    return this.fetch();
  }

  private async fetch(): Promise<void> {
    const started = Date.now();
    try {
      const rows = await answerWithin(
        this.options.catalog.listLive(started - this.options.ttlMs),
        this.options.timeoutMs,
        "catalog listLive",
      );
      // A slow answer must not overwrite a newer one that overtook it.
      if (started >= this.fetchedAt) {
        this.current = rows;
        this.fetchedAt = started;
      }
      if (this.state === "down") {
        this.options.log.info("discovery.catalog.recovered", { down_ms: Date.now() - this.downSince });
        this.state = "ok";
      }
    } catch (err) {
      if (this.state === "ok") {
        this.state = "down";
        this.downSince = started;
        this.options.log.warn("discovery.catalog.unreachable", {
          err,
          serving: "last good view",
          instances: this.current.length,
        });
      }
    }
  }
}
