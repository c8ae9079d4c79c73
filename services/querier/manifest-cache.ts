/**
 * The manifest as the querier lists it for every query, kept between queries. Each listing
 * asks the catalog only what changed since the generation held (catalog `manifestSince`):
 * one row lookup when nothing did, the new files when some were recorded, everything again
 * after a removal. Listing the whole manifest on every query cost time in proportion to
 * the files kept (twice per trace lookup), which only grows.
 *
 * The answer holds exactly the files `catalog.listDataFiles` gives for the same query: those
 * overlapping [fromNs, toNs], ordered by minTime then path (by code unit: a PostgreSQL
 * collation may order equal-minTime paths otherwise).
 */
import type { CatalogRepository, DataFile, DataFileQuery, ManifestScope } from "../../shared/catalog/index.ts";

/** Scopes (org, bucket, table) kept; the least recently listed goes first. */
const DEFAULT_MAX_SCOPES = 256;

interface KnownFile {
  file: DataFile;
  min: bigint;
  max: bigint;
}

interface ScopeFiles {
  generation: number;
  byPath: Map<string, KnownFile>;
  /** byPath's files in listing order; rebuilt after a change. */
  ordered: KnownFile[];
  /** The catalog call under way: listings of one scope take turns. */
  refreshing?: Promise<void>;
  /** The last answer, given again (the same array) while nothing changed: callers memoize on it. */
  last?: { generation: number; fromNs?: string; toNs?: string; files: readonly DataFile[] };
}

export class ManifestCache {
  private readonly scopes = new Map<string, ScopeFiles>();

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly maxScopes = DEFAULT_MAX_SCOPES,
    /** Told the paths a listing no longer has (compacted away, expired), e.g. to drop cached copies. */
    private readonly onRemoved?: (paths: string[]) => void,
  ) {}

  /**
   * `catalog.listDataFiles(query)` (without `shardIds`), from what is known plus what changed.
   * The answer is shared (not to be modified): the same array while neither the manifest
   * nor the range changed.
   */
  async listDataFiles(query: Omit<DataFileQuery, "shardIds">): Promise<readonly DataFile[]> {
    const scope = await this.refreshed({ orgId: query.orgId, bucket: query.bucket, table: query.table });
    const { fromNs, toNs } = query;
    const last = scope.last;
    if (last && last.generation === scope.generation && last.fromNs === fromNs && last.toNs === toNs) return last.files;
    const from = fromNs === undefined ? undefined : BigInt(fromNs);
    const to = toNs === undefined ? undefined : BigInt(toNs);
    const files: DataFile[] = [];
    // Overlap with [from, to], as the catalog's query: ends at or after `from`, starts at or before `to`.
    for (const known of scope.ordered) {
      if ((from === undefined || known.max >= from) && (to === undefined || known.min <= to)) files.push(known.file);
    }
    scope.last = { generation: scope.generation, fromNs, toNs, files };
    return files;
  }

  private async refreshed(key: ManifestScope): Promise<ScopeFiles> {
    const id = `${key.orgId}\u0000${key.bucket}\u0000${key.table}`;
    let scope = this.scopes.get(id);
    if (scope === undefined) {
      scope = { generation: 0, byPath: new Map(), ordered: [] };
      if (this.scopes.size >= this.maxScopes) this.scopes.delete(this.scopes.keys().next().value!);
    }
    // Re-inserted: the map's order is the order of last use.
    this.scopes.delete(id);
    this.scopes.set(id, scope);
    // A listing must see every file recorded before it began: one already under way may
    // have asked the catalog earlier, so wait for it and then ask again.
    while (scope.refreshing) await scope.refreshing;
    const refreshing = this.catchUp(key, scope);
    scope.refreshing = refreshing;
    try {
      await refreshing;
    } finally {
      if (scope.refreshing === refreshing) scope.refreshing = undefined;
    }
    return scope;
  }

  private async catchUp(key: ManifestScope, scope: ScopeFiles): Promise<void> {
    const delta = await this.catalog.manifestSince(key, scope.generation);
    const before = delta.complete && this.onRemoved ? new Set(scope.byPath.keys()) : undefined;
    if (delta.complete) scope.byPath.clear();
    else if (delta.files.length === 0) {
      scope.generation = delta.generation;
      return;
    }
    // Keyed by path: an answer may repeat a file recorded while the previous one was read.
    for (const file of delta.files) scope.byPath.set(file.path, { file, min: BigInt(file.minTime), max: BigInt(file.maxTime) });
    scope.ordered = [...scope.byPath.values()].sort(byListingOrder);
    scope.generation = delta.generation;
    if (before) {
      for (const path of scope.byPath.keys()) before.delete(path);
      if (before.size > 0) this.onRemoved!([...before]);
    }
  }
}

/** minTime, then path: the catalog's ORDER BY. */
function byListingOrder(a: KnownFile, b: KnownFile): number {
  if (a.min !== b.min) return a.min < b.min ? -1 : 1;
  return a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : 0;
}
