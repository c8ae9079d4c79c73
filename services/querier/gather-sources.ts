/**
 * What a query reads: the Parquet files of the manifest (pruned by time) and the rows the
 * writers acknowledged but have not flushed yet. Live rows are fetched FIRST and the
 * manifest listed after: a flush in between then shows a batch in both places (removed
 * here by batch id), never in neither.
 *
 * Every batch is returned once: live rows are asked of every live writer (each shard's
 * replicas hold copies) and kept once per batch id; a Parquet file whose batches are all in
 * files already chosen (a batch flushed again after a failover) is skipped, oldest file first.
 */
import type { RecordBatch, Table } from "apache-arrow";
import type { DataFile } from "../../shared/catalog/index.ts";
import type { Resolver } from "../../shared/discovery/index.ts";
import { FlightError, type FlightClientPool } from "../../shared/flight/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { RetentionPolicy } from "../../shared/retention/index.ts";
import type { TableName } from "../../shared/tables/index.ts";
import { LIVE_BATCH_IDS_KEY, liveBatchId, type LiveTicket } from "../../shared/writepath/index.ts";
import type { ParquetFileSource } from "./file-cache-source.ts";
import type { ScanBudget, ScanLimits } from "./scan-budget.ts";
import type { LiveBatchCache } from "./live-cache.ts";
import type { ManifestCache } from "./manifest-cache.ts";

export interface SourceScope {
  org: string;
  bucket: string;
  table: TableName;
  startNs?: string;
  endNs?: string;
  /** Trace-by-id: remote files whose footers rule the trace out are not downloaded. */
  traceId?: string;
  /** Retention: rows before this are expired (withRetention sets it). */
  notBeforeNs?: bigint;
}

export interface GatheredSources {
  /** Local paths, held (remote storage: pinned in the file cache) until `release()`. */
  files: string[];
  release(): void;
  live: RecordBatch[];
  /** Writers whose live rows could not be read (the answer may miss their newest rows). */
  unreachable: string[];
  /** Rows before this are past retention (the engine leaves them out). */
  notBeforeNs?: bigint;
}

export interface SourceDeps {
  /** Manifest paths → local paths (local storage, or S3 through the file cache). */
  files: ParquetFileSource;
  /** The manifest, listed by what changed since the last query (manifest-cache.ts). */
  manifest: ManifestCache;
  resolver: Resolver;
  pool: FlightClientPool;
  log: Logger;
  /** Live batches kept between queries (absent: every query fetches them all). */
  liveCache?: LiveBatchCache;
  /** How long rows are kept (absent: forever). */
  retention?: RetentionPolicy;
  /** Per-org limits on what a query may read (scan-budget.ts). */
  scanLimits: ScanLimits;
}

/** `budget`: what the query may still read; undefined for a trace by id (scan-budget.ts). */
export async function gatherSources(deps: SourceDeps, asked: SourceScope, deadline: number, budget: ScanBudget | undefined): Promise<GatheredSources> {
  const scope = withRetention(deps, asked);
  const { batches, unreachable } = await fetchLive(deps, scope, deadline);
  const chosen = await listFiles(deps, scope);
  budget?.charge(chosen.reduce((sum, file) => sum + file.bytes, 0));
  const local = await deps.files.acquire(chosen, { traceId: scope.traceId });
  return { files: local.paths, release: local.release, live: liveNotIn(batches, chosen), unreachable, notBeforeNs: scope.notBeforeNs };
}

/**
 * The scope as retention allows it, at the time of asking: files that end before the
 * cutoff are not listed, and the engine hides older rows of the files that straddle it —
 * so expired rows leave every answer at once, whether or not their files are deleted yet.
 */
export function withRetention(deps: Pick<SourceDeps, "retention">, scope: SourceScope): SourceScope {
  const cutoff = deps.retention?.cutoffNs({ orgId: scope.org, bucket: scope.bucket, table: scope.table }, Date.now());
  if (cutoff === undefined) return scope;
  const startNs = scope.startNs === undefined || BigInt(scope.startNs) < cutoff ? (cutoff > 0n ? cutoff.toString() : scope.startNs) : scope.startNs;
  return { ...scope, startNs, notBeforeNs: cutoff };
}

export interface LiveRows {
  /** Every live writer's batches, replicas' copies included (liveNotIn removes them). */
  batches: RecordBatch[];
  unreachable: string[];
}

/**
 * The live rows of every live writer. With `scope.traceId` a writer sends only the batches
 * that hold that trace (a trace by id should not copy every unflushed row of the org);
 * otherwise only the batches `deps.liveCache` does not hold yet (live-cache.ts).
 */
export async function fetchLive(deps: SourceDeps, scope: SourceScope, deadline: number): Promise<LiveRows> {
  const ticket: LiveTicket = {
    kind: "live", org_id: scope.org, bucket: scope.bucket, table: scope.table,
    // A search reads the spans' dedicated columns; a trace by id reads whole spans.
    ...(scope.traceId !== undefined ? { trace_id: scope.traceId } : { dedicated: scope.table === "traces" }),
  };
  const writers = await deps.resolver.live({ role: "writer" });
  // A trace by id asks for few batches, none worth keeping.
  const cache = scope.traceId === undefined ? deps.liveCache : undefined;
  const scopeKey = `${scope.org}\x00${scope.bucket}\x00${scope.table}`;
  cache?.retainWriters(new Set(writers.map((w) => w.id)));
  const unreachable: string[] = [];
  const liveTables = await Promise.all(
    writers.map(async (writer) => {
      try {
        const ask = (have: string[]) =>
          deps.pool.get(writer.address).getTable(have.length > 0 ? { ...ticket, have } : ticket, { deadlineMs: Math.max(1, deadline - Date.now()) });
        if (!cache) return (await ask([])).batches;
        const claimed = cache.claim(writer.id, scopeKey);
        const answer = await ask([...claimed.keys()]);
        const kept = cache.update(writer.id, scopeKey, claimed, answer.batches, listedIds(answer));
        if (kept.missing === 0) return kept.batches;
        // A batch the writer did not send, and this query does not hold: ask for everything.
        const full = await ask([]);
        return cache.update(writer.id, scopeKey, new Map(), full.batches, listedIds(full)).batches;
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
  return { batches: liveTables.flat(), unreachable };
}

/** The batch ids a writer's live answer lists (undefined: a writer that sends them all). */
function listedIds(answer: Table): string[] | undefined {
  const listed = answer.schema.metadata.get(LIVE_BATCH_IDS_KEY);
  return listed === undefined ? undefined : (JSON.parse(listed) as string[]);
}

/** chooseFiles' answer and the batch ids of its files, per manifest answer (the same array while nothing changed). */
const chosenOf = new WeakMap<readonly DataFile[], readonly DataFile[]>();
const batchIdsOf = new WeakMap<readonly DataFile[], ReadonlySet<string>>();

/** The manifest's files for the scope, without those that add no batch (chooseFiles). Shared: not to be modified. */
export async function listFiles(deps: SourceDeps, scope: SourceScope): Promise<readonly DataFile[]> {
  const files = await deps.manifest.listDataFiles({
    orgId: scope.org,
    bucket: scope.bucket,
    table: scope.table,
    fromNs: scope.startNs,
    toNs: scope.endNs,
  });
  let chosen = chosenOf.get(files);
  if (chosen === undefined) {
    chosen = chooseFiles(files);
    chosenOf.set(files, chosen);
    if (chosen.length < files.length) deps.log.info("query.duplicate_files_skipped", { files: files.length - chosen.length });
  }
  return chosen;
}

/**
 * Each live batch is one write (one batch id): drop what is already in one of `files`, and
 * the second copy a replica holds.
 */
export function liveNotIn(batches: readonly RecordBatch[], files: readonly Pick<DataFile, "batchIds">[]): RecordBatch[] {
  let inFiles = batchIdsOf.get(files as readonly DataFile[]);
  if (inFiles === undefined) {
    inFiles = new Set(files.flatMap((f) => f.batchIds));
    batchIdsOf.set(files as readonly DataFile[], inFiles);
  }
  const seen = new Set<string>();
  const live: RecordBatch[] = [];
  for (const batch of batches) {
    const id = liveBatchId(batch);
    if (id === undefined || inFiles.has(id) || seen.has(id)) continue;
    seen.add(id);
    live.push(batch);
  }
  return live;
}

/** Files in creation order, without those that add no batch the earlier ones lack. */
export function chooseFiles<F extends { path: string; createdAt: number; batchIds: string[] }>(files: readonly F[]): F[] {
  const ordered = [...files].sort((a, b) => a.createdAt - b.createdAt || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const covered = new Set<string>();
  const chosen: F[] = [];
  for (const file of ordered) {
    if (file.batchIds.length > 0 && file.batchIds.every((id) => covered.has(id))) continue;
    for (const id of file.batchIds) covered.add(id);
    chosen.push(file);
  }
  return chosen;
}
