/**
 * A query the plain way: every table the ticket reads gathered (files and live rows,
 * gather-sources.ts), then one engine run over them.
 */
import type { Table } from "apache-arrow";
import { ticketTables, type Ticket } from "../../shared/query/index.ts";
import type { QueryEngine } from "./engine/index.ts";
import { ScanBudget } from "./scan-budget.ts";
import { gatherSources, type SourceDeps } from "./gather-sources.ts";

export async function runGatheredQuery(deps: SourceDeps, engine: QueryEngine, ticket: Ticket, deadline: number): Promise<Table> {
  // One budget for every table the query reads.
  const budget = ticket.kind === "trace_by_id" ? undefined : new ScanBudget(deps.scanLimits, ticket.org);
  // Settled, not all: a table that fails must not leave another's files pinned.
  const settled = await Promise.allSettled(
    ticketTables(ticket).map(async (table) => {
      const scope = {
        org: ticket.org, bucket: ticket.bucket, table, startNs: ticket.startNs, endNs: ticket.endNs,
        traceId: ticket.kind === "trace_by_id" ? ticket.traceId : undefined,
      };
      return [table, await gatherSources(deps, scope, deadline, budget)] as const;
    }),
  );
  const gathered = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  try {
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    return await engine.execute(ticket, Object.fromEntries(gathered));
  } finally {
    // Cached files may be evicted again once no query reads them.
    for (const [, sources] of gathered) sources.release();
  }
}
