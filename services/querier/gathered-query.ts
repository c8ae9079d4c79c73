/**
 * A query the plain way: every table the ticket reads gathered (files and live rows,
 * sources.ts), then one engine run over them.
 */
import type { Table } from "apache-arrow";
import { ticketTables, type Ticket } from "../../shared/query/index.ts";
import type { QueryEngine } from "./engine/index.ts";
import { gatherSources, type SourceDeps } from "./sources.ts";

export async function runGatheredQuery(deps: SourceDeps, engine: QueryEngine, ticket: Ticket, deadline: number): Promise<Table> {
  const releases: Array<() => void> = [];
  try {
    const sources = Object.fromEntries(
      await Promise.all(
        ticketTables(ticket).map(async (table) => {
          const scope = {
            org: ticket.org, bucket: ticket.bucket, table, startNs: ticket.startNs, endNs: ticket.endNs,
            traceId: ticket.kind === "trace_by_id" ? ticket.traceId : undefined,
          };
          const gathered = await gatherSources(deps, scope, deadline);
          releases.push(gathered.release);
          return [table, gathered] as const;
        }),
      ),
    );
    return await engine.execute(ticket, sources);
  } finally {
    // Cached files may be evicted again once no query reads them.
    for (const release of releases) release();
  }
}
