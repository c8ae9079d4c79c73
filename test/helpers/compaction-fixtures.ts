/**
 * Flushed files the way the writer's flusher makes them (writeParquet, the data layout, the
 * footer, one addDataFile), for compaction tests and benches that need many small files
 * without running a writer.
 */
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { RecordBatch } from "apache-arrow";
import type { CatalogRepository, DataFile } from "../../shared/catalog/index.ts";
import { quoteLiteral } from "../../shared/duckdb/index.ts";
import type { TableName } from "../../shared/tables/index.ts";
import { parquetPath, type BlobStore } from "../../shared/storage/index.ts";
import { footerMetadata, writeParquet } from "../../services/writer/parquet/index.ts";

export interface FlushTarget {
  catalog: CatalogRepository;
  store: BlobStore;
  db: DuckDBConnection;
  scratchDir: string;
}

export const SCOPE = { orgId: "acme", bucket: "default" } as const;

/** Writes `batches` as one flushed file of `table` and records it; returns its manifest row. */
export async function flushFile(
  target: FlushTarget,
  table: TableName,
  batches: RecordBatch[],
  batchIds: string[],
  opts: { orgId?: string; bucket?: string; shardId?: number; createdAt?: number } = {},
): Promise<DataFile> {
  const orgId = opts.orgId ?? SCOPE.orgId;
  const bucket = opts.bucket ?? SCOPE.bucket;
  const shardId = opts.shardId ?? 1;
  const scratch = join(target.scratchDir, `${crypto.randomUUID()}.parquet`);
  const written = await writeParquet({
    db: target.db,
    table,
    batches,
    destPath: scratch,
    metadata: footerMetadata({ orgId, bucket, shardId, batchIds }),
  });
  const key = parquetPath({ orgId, bucket, table, minTimeNs: written.minTimeNs });
  await target.store.putFile(key, scratch);
  const file: DataFile = {
    path: key, orgId, bucket, table, shardId,
    minTime: written.minTimeNs.toString(),
    maxTime: written.maxTimeNs.toString(),
    rows: written.rows,
    bytes: written.bytes,
    batchIds,
    createdAt: opts.createdAt ?? Date.now(),
  };
  await target.catalog.addDataFile(file);
  return file;
}

/** Rows per batch id over the given local files (what a query over the manifest would read). */
export async function rowsPerBatch(db: DuckDBConnection, paths: readonly string[]): Promise<Map<string, number>> {
  if (paths.length === 0) return new Map();
  const reader = await db.runAndReadAll(
    `SELECT batch_id, count(*)::INTEGER AS n FROM read_parquet([${paths.map(quoteLiteral).join(", ")}], hive_partitioning = false) GROUP BY 1`,
  );
  return new Map((reader.getRows() as Array<[string, number]>).map(([id, n]) => [id, n]));
}
