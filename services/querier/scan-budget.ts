/**
 * `limits.max_query_bytes_scanned`: the Parquet bytes one query may read, summed over every
 * table it reads from the manifest's file sizes, charged after the files are chosen and
 * before any is fetched or opened. A trace by id is not charged: it reads the few row groups
 * its footers and sort order point at, not the files' bytes.
 */
import type { LimitHits, TenantLimitsTable } from "../../shared/limits/index.ts";
import { QueryError } from "../../shared/query/index.ts";

export interface ScanLimits {
  table: TenantLimitsTable;
  hits: LimitHits;
}

export class ScanBudget {
  private scanned = 0;
  private refused = false;
  private readonly limit: number;

  constructor(
    private readonly limits: ScanLimits,
    private readonly orgId: string,
  ) {
    this.limit = limits.table.for(orgId).max_query_bytes_scanned;
  }

  /** Adds `bytes` to what the query reads; throws QueryError (400) once the sum is past the limit. */
  charge(bytes: number): void {
    this.scanned += bytes;
    if (this.scanned <= this.limit) return;
    if (!this.refused) this.limits.hits.hit(this.orgId, "max_query_bytes_scanned");
    this.refused = true;
    throw new QueryError(
      "INVALID_ARGUMENT",
      `the query would read ${this.scanned} bytes of Parquet, more than org "${this.orgId}"'s limit of ${this.limit} (limits.max_query_bytes_scanned); narrow the time range`,
    );
  }
}
