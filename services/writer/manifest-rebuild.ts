/**
 * The Parquet files describe themselves in their footers, so the manifest can always be
 * rebuilt from storage — an in-memory catalog after a restart, or a lost catalog database.
 * Recording a file is idempotent, so this runs at every writer start.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CatalogRepository } from "../../shared/catalog/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import { parseParquetPath, type BlobStore } from "../../shared/storage/index.ts";
import { parseFooter, readParquetFooter } from "./parquet/index.ts";

const PROGRESS_EVERY = 500;

export async function rebuildManifest(deps: {
  root: string;
  store: BlobStore;
  catalog: CatalogRepository;
  db: DuckDBConnection;
  log: Logger;
}): Promise<number> {
  const started = performance.now();
  const blobs = (await deps.store.list("")).filter((b) => b.key.endsWith(".parquet"));
  let recorded = 0;
  for (const blob of blobs) {
    try {
      parseParquetPath(blob.key); // only files of the data layout (not scratch or cache files)
    } catch {
      continue;
    }
    const local = deps.store.localPath(blob.key);
    if (!local) continue;
    try {
      const footer = parseFooter(blob.key, await readParquetFooter(deps.db, local));
      await deps.catalog.addDataFile({
        path: blob.key,
        orgId: footer.orgId,
        bucket: footer.bucket,
        table: footer.table,
        shardId: footer.shardId,
        minTime: footer.minTimeNs.toString(),
        maxTime: footer.maxTimeNs.toString(),
        rows: footer.rows,
        bytes: blob.bytes,
        batchIds: footer.batchIds,
        createdAt: blob.modifiedAt,
      });
      recorded++;
    } catch (err) {
      deps.log.error("manifest.rebuild.bad_file", { path: blob.key, err });
    }
    if (recorded % PROGRESS_EVERY === 0 && recorded > 0) deps.log.info("manifest.rebuild.progress", { files: recorded, of: blobs.length });
  }
  deps.log.info("manifest.rebuild.done", { files: recorded, ms: Math.round(performance.now() - started) });
  return recorded;
}
