/**
 * Trace by id reads the Parquet files while the writers are asked for their live rows,
 * instead of after: the writers' round trip no longer adds to every lookup.
 *
 * The ordering rule of gather-sources.ts still holds: the manifest that decides which live batches
 * are already in files is listed after the live rows arrived. The early listing only lets
 * the file read start; a file recorded in between (a flush while the writers answered) is
 * read in a second, small pass together with the live rows and the first pass's spans, so
 * the answer is exactly what gatherSources + one query would give.
 */
import type { Table } from "apache-arrow";
import type { DataFile } from "../../shared/catalog/index.ts";
import type { TraceByIdTicket } from "../../shared/query/index.ts";
import type { QueryEngine } from "./engine/index.ts";
import { runGatheredQuery } from "./gathered-query.ts";
import { fetchLive, listFiles, liveNotIn, withRetention, type SourceDeps, type SourceScope } from "./gather-sources.ts";

export async function runTraceById(deps: SourceDeps, engine: QueryEngine, ticket: TraceByIdTicket, deadline: number): Promise<Table> {
  const scope: SourceScope = withRetention(deps, {
    org: ticket.org, bucket: ticket.bucket, table: "traces", startNs: ticket.startNs, endNs: ticket.endNs, traceId: ticket.traceId,
  });
  const notBeforeNs = scope.notBeforeNs;
  const live = fetchLive(deps, scope, deadline);
  // The manifest as of after the live rows: listed as soon as they arrive, usually while
  // DuckDB still reads the files.
  const later = live.then(() => listFiles(deps, scope));
  // Awaited below; this only keeps a failure while the files are read from going unhandled.
  later.catch(() => undefined);
  const early = await listFiles(deps, scope);
  const earlyLease = await deps.files.acquire(early, { traceId: ticket.traceId });
  let fromFiles: Table;
  try {
    fromFiles = await engine.execute(ticket, { files: earlyLease.paths, live: [], notBeforeNs });
  } finally {
    earlyLease.release();
  }
  const { batches } = await live;
  const chosen = await later;
  const { added, dropped } = listingChange(early, chosen);
  // A file read early that the later listing leaves out (chooseFiles found its batches in
  // another, older file recorded since): read everything again, the plain way.
  if (dropped) return runGatheredQuery(deps, engine, ticket, deadline);

  const newLive = liveNotIn(batches, chosen);
  if (added.length === 0 && newLive.length === 0) return fromFiles;
  // The second pass sorts and limits the union exactly as one query over everything would.
  const lease = await deps.files.acquire(added, { traceId: ticket.traceId });
  try {
    return await engine.execute(ticket, { files: lease.paths, live: [...fromFiles.batches, ...newLive], notBeforeNs });
  } finally {
    lease.release();
  }
}

/** Files the later listing adds, and whether it dropped one the early listing had. */
function listingChange(early: readonly DataFile[], later: readonly DataFile[]): { added: DataFile[]; dropped: boolean } {
  // Nothing changed in between: the manifest answers with the same array.
  if (later === early) return { added: [], dropped: false };
  const earlyPaths = new Set(early.map((f) => f.path));
  const laterPaths = new Set(later.map((f) => f.path));
  return { added: later.filter((f) => !earlyPaths.has(f.path)), dropped: [...earlyPaths].some((p) => !laterPaths.has(p)) };
}
