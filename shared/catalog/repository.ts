/**
 * The one interface every role uses to reach the catalog, whatever the dialect.
 * Each method is a single statement or a short transaction: bun:sqlite transactions are
 * synchronous, so nothing here awaits inside one.
 */
import type {
  DataFile, DataFileQuery, ManifestDelta, ManifestReplacement, ManifestScope, ManifestSummary, RetiredFile, ServiceInstance, ShardAssignment, ShardMap,
} from "./model.ts";

export interface CatalogRepository {
  readonly dialect: "sqlite" | "postgres";

  // --- service registry ---------------------------------------------------------------
  /** Insert or replace the row of `instance.id`. */
  register(instance: ServiceInstance): Promise<void>;
  /** Touch last_seen; false when the row is gone (reaped) and the caller must register again. */
  heartbeat(id: string, now: number): Promise<boolean>;
  deregister(id: string): Promise<void>;
  /** Instances whose last_seen >= `seenSince`, optionally of one role; ordered by id. */
  listLive(seenSince: number, role?: string): Promise<ServiceInstance[]>;
  /** Delete rows whose last_seen < `seenBefore`; returns how many. */
  reap(seenBefore: number): Promise<number>;

  // --- shard map ----------------------------------------------------------------------
  /** The current map, or null before the first one is stored. */
  shardMap(): Promise<ShardMap | null>;
  /**
   * Store `shards` as epoch `expectedEpoch + 1` if the stored epoch is still `expectedEpoch`
   * (0 = none stored yet). Exactly one of several concurrent callers wins; returns whether
   * this one did.
   */
  compareAndSetShardMap(expectedEpoch: number, shards: ShardAssignment[]): Promise<boolean>;

  // --- data-file manifest ---------------------------------------------------------------
  /**
   * Record a persisted file and its batch ids, and raise its scope's generation (one
   * transaction); recording the same path again is a no-op.
   */
  addDataFile(file: DataFile): Promise<void>;
  listDataFiles(query: DataFileQuery): Promise<DataFile[]>;
  /** Files, bytes, rows and data time range of every (org, bucket, table) in the manifest, in that order. */
  manifestSummary(): Promise<ManifestSummary[]>;
  /**
   * A scope's files relative to `since`, a generation this method returned before (0 =
   * none held): everything when nothing is held, when a file was removed since, or when
   * the scope's generation is below `since` (another catalog); otherwise only the files
   * recorded after `since` — none, in one row lookup, when nothing changed. An answer may
   * also carry files recorded while it was read (a caller keys them by path).
   */
  manifestSince(scope: ManifestScope, since: number): Promise<ManifestDelta>;
  /** Of `batchIds`, those already persisted in some recorded file. */
  persistedBatches(batchIds: string[]): Promise<Set<string>>;
  /** Remove a file and its batch ids, and mark its scope's generation as a removal. */
  removeDataFile(path: string): Promise<void>;

  /**
   * One transaction: the files of `remove` leave the manifest (with their batch ids) and are
   * kept as retired files, `add` (a compacted file, or null) is recorded, and the scopes'
   * generations are raised as a removal. False, with nothing changed, when one of `remove`
   * is no longer recorded (another compactor or retention got there first).
   */
  replaceDataFiles(change: ManifestReplacement): Promise<boolean>;
  /** Retired files whose retiredAt <= `before`, oldest first, at most `limit`. */
  retiredFiles(before: number, limit?: number): Promise<RetiredFile[]>;
  /** Forget retired files once their storage objects are deleted. */
  forgetRetiredFiles(paths: string[]): Promise<void>;
  /** Of `paths`, those neither in the manifest nor retired: storage objects nobody tracks. */
  untrackedPaths(paths: string[]): Promise<Set<string>>;
  /** Every (org, bucket, table) that has had a file. */
  listManifestScopes(): Promise<ManifestScope[]>;

  close(): Promise<void>;
}
