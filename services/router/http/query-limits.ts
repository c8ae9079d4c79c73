/**
 * The per-org query limits the router enforces: queries running at once (refused with 429
 * and Retry-After past `limits.max_concurrent_queries`, not queued: a queue would hold the
 * request's memory and its client's connection while a retrying client backs off on its own)
 * and series in an answer (`limits.max_query_series`, 400). Bytes scanned are the querier's
 * to enforce: only it lists the files.
 */
import type { LimitHits, TenantLimitsTable } from "../../../shared/limits/index.ts";
import { HttpError } from "./errors.ts";

/** Clients are told to come back after this long; a query slot frees as soon as one query ends. */
const RETRY_AFTER_SECONDS = 1;

export class QueryLimits {
  private readonly running = new Map<string, number>();

  constructor(
    private readonly table: TenantLimitsTable,
    private readonly hits: LimitHits,
  ) {}

  /** Takes one of the org's query slots; the returned function gives it back. Throws HttpError 429. */
  acquire(orgId: string): () => void {
    const limit = this.table.for(orgId).max_concurrent_queries;
    const now = this.running.get(orgId) ?? 0;
    if (now >= limit) {
      this.hits.hit(orgId, "max_concurrent_queries");
      throw new HttpError(
        429,
        `org "${orgId}" already runs ${now} queries, its limit (limits.max_concurrent_queries); retry when one has finished`,
        { "Retry-After": String(RETRY_AFTER_SECONDS) },
      );
    }
    this.running.set(orgId, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(orgId) ?? 1) - 1;
      if (left === 0) this.running.delete(orgId);
      else this.running.set(orgId, left);
    };
  }

  /** The org's `limits.max_query_series`, for engines that bound the series they fetch (PromQL). */
  seriesLimit(orgId: string): number {
    return this.table.for(orgId).max_query_series;
  }

  /** Counts a series-limit refusal an engine made on the org's behalf. */
  seriesLimitHit(orgId: string): void {
    this.hits.hit(orgId, "max_query_series");
  }

  /** Throws HttpError 400 when an answer holds more series than the org may get. */
  checkSeries(orgId: string, series: number, what: string): void {
    const limit = this.table.for(orgId).max_query_series;
    if (series <= limit) return;
    this.hits.hit(orgId, "max_query_series");
    throw new HttpError(
      400,
      `the query matched ${series} ${what}, more than org "${orgId}"'s limit of ${limit} (limits.max_query_series); narrow the selector or the time range`,
    );
  }
}
