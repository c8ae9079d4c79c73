/**
 * What a query reads: the Parquet files of the manifest (pruned by time) and the rows the
 * writers acknowledged but have not flushed yet. Live rows are fetched FIRST and the
 * manifest listed after: a flush in between then shows a batch in both places (removed
 * here by batch id), never in neither.
 */
import { join } from "node:path";
import type { RecordBatch } from "apache-arrow";
import type { CatalogRepository } from "../../shared/catalog/index.ts";
import type { Resolver } from "../../shared/discovery/index.ts";
import { FlightError, type FlightClientPool } from "../../shared/flight/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { TableName } from "../../shared/signals/tables.ts";
import type { LiveTicket } from "../../shared/writepath/index.ts";

export interface SourceScope {
  org: string;
  bucket: string;
  table: TableName;
  startNs?: string;
  endNs?: string;
}

export interface GatheredSources {
  files: string[];
  live: RecordBatch[];
  /** Writers whose live rows could not be read (the answer may miss their newest rows). */
  unreachable: string[];
}

export interface SourceDeps {
  root: string;
  catalog: CatalogRepository;
  resolver: Resolver;
  pool: FlightClientPool;
  log: Logger;
}

function batchIdOf(batch: RecordBatch): string | undefined {
  if (batch.numRows === 0) return undefined;
  return batch.getChild("batch_id")?.get(0) ?? undefined;
}

export async function gatherSources(deps: SourceDeps, scope: SourceScope, deadline: number): Promise<GatheredSources> {
  const ticket: LiveTicket = { kind: "live", org_id: scope.org, bucket: scope.bucket, table: scope.table };
  const writers = await deps.resolver.live({ role: "writer" });
  const unreachable: string[] = [];
  const liveTables = await Promise.all(
    writers.map(async (writer) => {
      try {
        const table = await deps.pool.get(writer.address).getTable(ticket, { deadlineMs: Math.max(1, deadline - Date.now()) });
        return table.batches;
      } catch (err) {
        const error = FlightError.from(err);
        if (error.isUnavailable) {
          deps.resolver.markSuspect(writer.id);
          deps.pool.drop(writer.address);
        }
        deps.log.warn("query.live_unreachable", { writer: writer.id, address: writer.address, err: error });
        unreachable.push(writer.id);
        return [];
      }
    }),
  );
  const files = await deps.catalog.listDataFiles({
    orgId: scope.org,
    bucket: scope.bucket,
    table: scope.table,
    fromNs: scope.startNs,
    toNs: scope.endNs,
  });
  // Each live batch is one write (one batch id): drop what is already in a file, and the
  // second copy a replica holds.
  const seen = new Set<string>(files.flatMap((f) => f.batchIds));
  const live: RecordBatch[] = [];
  for (const batch of liveTables.flat()) {
    const id = batchIdOf(batch);
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    live.push(batch);
  }
  return { files: files.map((f) => join(deps.root, f.path)), live, unreachable };
}
