/** Argument checks the type system cannot make; failures are CatalogError("invalid_argument"). */
import { CatalogError } from "./errors.ts";
import type { DataFile, DataFileQuery, ShardAssignment } from "./model.ts";
import { normalizeNs } from "./ns-time.ts";

function invalid(message: string): never {
  throw new CatalogError("invalid_argument", message);
}

export function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0) invalid(`expectedEpoch must be a non-negative integer, got ${epoch}`);
}

export function checkShards(shards: ShardAssignment[]): void {
  const seen = new Set<number>();
  for (const { shardId, replicas } of shards) {
    if (!Number.isSafeInteger(shardId) || shardId < 0) invalid(`shardId must be a non-negative integer, got ${shardId}`);
    if (seen.has(shardId)) invalid(`shard ${shardId} appears twice in the shard map`);
    seen.add(shardId);
    if (new Set(replicas).size !== replicas.length) invalid(`shard ${shardId} lists a replica twice`);
  }
}

/** The file as it will be stored: ns times canonical, batch ids de-duplicated. */
export function normalizeDataFile(file: DataFile): DataFile {
  const minTime = normalizeNs(file.minTime, "minTime");
  const maxTime = normalizeNs(file.maxTime, "maxTime");
  if (BigInt(minTime) > BigInt(maxTime)) invalid(`data file ${file.path}: minTime ${minTime} > maxTime ${maxTime}`);
  if (file.path.length === 0) invalid("data file path must not be empty");
  return {
    path: file.path,
    orgId: file.orgId,
    bucket: file.bucket,
    table: file.table,
    shardId: file.shardId,
    minTime,
    maxTime,
    rows: file.rows,
    bytes: file.bytes,
    batchIds: [...new Set(file.batchIds)],
    createdAt: file.createdAt,
  };
}

export function normalizeQuery(query: DataFileQuery): DataFileQuery {
  return {
    ...query,
    fromNs: query.fromNs === undefined ? undefined : normalizeNs(query.fromNs, "fromNs"),
    toNs: query.toNs === undefined ? undefined : normalizeNs(query.toNs, "toNs"),
  };
}

/** Splits long IN lists / multi-row inserts below both dialects' bound-parameter limits. */
export function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
