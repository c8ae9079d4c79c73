/**
 * The Parquet files describe themselves in their footers, so the manifest can always be
 * rebuilt from storage — an in-memory catalog after a restart, or a lost catalog database.
 * Recording a file is idempotent, so this runs at every writer start.
 *
 * A file whose batches are already recorded in ANOTHER file is not recorded: it is the
 * leftover of a writer that died between writing a file and recording it, after which the
 * shard's next primary flushed the same batches again (or compaction merged them into a
 * file that was recorded). Recording it would return them twice. Retired files (compacted
 * away or past retention, awaiting deletion) are not recorded again either.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CatalogRepository } from "../../shared/catalog/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import { join } from "node:path";
import { parseParquetPath, withFooterFile, type BlobStore, type ParquetLocation } from "../../shared/storage/index.ts";
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
  const listed = (await deps.store.list("")).filter((b) => b.key.endsWith(".parquet"));
  const untracked = await deps.catalog.untrackedPaths(listed.map((b) => b.key));
  const blobs = listed.filter((b) => untracked.has(b.key));
  const known = new Map<string, RecordedScope>();
  let recorded = 0;
  let duplicates = 0;
  for (const blob of blobs) {
    let location: ParquetLocation;
    try {
      location = parseParquetPath(blob.key); // only files of the data layout (not scratch or cache files)
    } catch {
      continue;
    }
    const scopeKey = `${location.orgId}\x00${location.bucket}\x00${location.table}`;
    let scope = known.get(scopeKey);
    if (!scope) {
      scope = await recordedScope(deps.catalog, location);
      known.set(scopeKey, scope);
    }
    try {
      // A remote (S3) file's footer is read from a stub fetched by ranged GETs, not the whole file.
      const meta = await withFooterFile(deps.store, blob, join(deps.root, ".scratch"), (path) => readParquetFooter(deps.db, path));
      const footer = parseFooter(blob.key, meta);
      const elsewhere = footer.batchIds.filter((id) => scope.batches.has(id));
      if (elsewhere.length > 0) {
        duplicates++;
        deps.log.warn("manifest.rebuild.duplicate_file", { path: blob.key, batches: footer.batchIds.length, already_recorded: elsewhere.length });
        continue;
      }
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
      for (const id of footer.batchIds) scope.batches.add(id);
    } catch (err) {
      deps.log.error("manifest.rebuild.bad_file", { path: blob.key, err });
    }
    if (recorded % PROGRESS_EVERY === 0 && recorded > 0) deps.log.info("manifest.rebuild.progress", { files: recorded, of: blobs.length });
  }
  deps.log.info("manifest.rebuild.done", { files: recorded, duplicates_skipped: duplicates, ms: Math.round(performance.now() - started) });
  return recorded;
}

interface RecordedScope {
  batches: Set<string>;
}

async function recordedScope(catalog: CatalogRepository, location: ParquetLocation): Promise<RecordedScope> {
  const files = await catalog.listDataFiles({ orgId: location.orgId, bucket: location.bucket, table: location.table });
  return { batches: new Set(files.flatMap((f) => f.batchIds)) };
}
