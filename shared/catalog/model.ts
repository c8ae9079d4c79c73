/**
 * The logical catalog model: one set of row types that both Drizzle schemas (SQLite and
 * PostgreSQL) must match exactly — `schema-check.ts` fails the type check if they drift.
 * Times are epoch milliseconds in both dialects.
 */

/** A row of the service registry. */
export interface ServiceInstance {
  id: string;
  role: string;
  /** host:port other instances dial (the role's main Flight or HTTP address). */
  address: string;
  capabilities: string[];
  /** version, pid, hostname, and the role's listener addresses by name (flight, http, grpc ...). */
  meta: Record<string, unknown>;
  startedAt: number;
  lastSeen: number;
}

/** One shard's replica set at an epoch; replicas[0] is the primary. */
export interface ShardAssignment {
  shardId: number;
  replicas: string[];
}

export interface ShardMap {
  epoch: number;
  shards: ShardAssignment[];
}

/** A persisted Parquet file of the manifest. */
export interface DataFile {
  path: string;
  orgId: string;
  bucket: string;
  table: string;
  shardId: number;
  /** Nanoseconds since the epoch, as decimal strings (they exceed 2^53). */
  minTime: string;
  maxTime: string;
  rows: number;
  bytes: number;
  batchIds: string[];
  createdAt: number;
}

/** Why a file left the manifest. */
export type RetireReason = "compacted" | "expired";

/** A file out of the manifest whose storage object is kept until the delete grace has passed. */
export interface RetiredFile {
  path: string;
  orgId: string;
  bucket: string;
  table: string;
  bytes: number;
  /** When it left the manifest, epoch ms. */
  retiredAt: number;
  reason: string;
}

/**
 * One manifest change, applied in one transaction: `remove` leave the manifest (and are
 * kept as retired files), `add` (the compacted file, if any) enters it.
 */
export interface ManifestReplacement {
  remove: string[];
  add: DataFile | null;
  reason: RetireReason;
  /** epoch ms */
  at: number;
}

/** What the manifest holds for one (org, bucket, table): `bun run storage`'s row. */
export interface ManifestSummary {
  orgId: string;
  bucket: string;
  table: string;
  files: number;
  bytes: number;
  rows: number;
  /** Oldest and newest data (not file) time, ns decimal strings. */
  minTime: string;
  maxTime: string;
}

/** The files of one table of one org and bucket: what a manifest generation counts. */
export interface ManifestScope {
  orgId: string;
  bucket: string;
  table: string;
}

/** `manifestSince`'s answer: the scope's files relative to a generation the caller holds. */
export interface ManifestDelta {
  /** The scope's generation as of this answer (0 before its first recorded file). */
  generation: number;
  /** true: `files` is every file of the scope; false: only those recorded after the caller's generation. */
  complete: boolean;
  /** Ordered by minTime, then path. */
  files: DataFile[];
}

export interface DataFileQuery {
  orgId: string;
  bucket: string;
  table: string;
  /** Keep files that overlap [fromNs, toNs] (inclusive, ns decimal strings). */
  fromNs?: string;
  toNs?: string;
  shardIds?: number[];
}
