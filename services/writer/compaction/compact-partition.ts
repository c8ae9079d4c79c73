/**
 * One compaction job: the inputs (local, or downloaded from S3) merged into one file, the
 * file stored, then ONE catalog transaction records it and retires the inputs. A crash
 * before that transaction leaves the inputs authoritative and the new file unknown (the
 * orphan sweep deletes it); after it, the new file is authoritative and the inputs are
 * retired files, deleted once the grace has passed. Never both, never neither.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CatalogRepository, DataFile } from "../../../shared/catalog/index.ts";
import type { TableName } from "../../../shared/tables/index.ts";
import { isRemoteBlobStore, parquetPath, type BlobStore } from "../../../shared/storage/index.ts";
import { groupBySchema, mergeParquet, type MergeInput, type MergeResult, type SchemaGroup } from "./merge.ts";
import type { CompactionJob } from "./plan.ts";

export interface CompactDeps {
  catalog: CatalogRepository;
  store: BlobStore;
  db: DuckDBConnection;
  /** A private folder for this job's downloads and output. */
  workDir: string;
  /** epoch ms: when the inputs are retired (the delete grace counts from it). */
  now: () => number;
  /** zstd level of the merged file (`compaction.zstd_level`). */
  zstdLevel?: number;
}

export type CompactOutcome =
  | { kind: "compacted"; output: DataFile; inputs: DataFile[]; merge: MergeResult }
  /** The catalog changed under the job (another compactor, retention): nothing recorded, the output deleted. */
  | { kind: "superseded"; inputs: DataFile[] }
  /** Fewer than two inputs share a schema: nothing to do. */
  | { kind: "skipped" };

export async function compactPartition(deps: CompactDeps, job: CompactionJob): Promise<CompactOutcome> {
  await mkdir(deps.workDir, { recursive: true });
  try {
    const local = await localInputs(deps, job.inputs);
    const group = largest(await groupBySchema(deps.db, local));
    const inputs = group.inputs;
    // A retention rewrite is worth it for one file; a plain merge is not.
    if (inputs.length < (job.notBeforeNs === undefined ? 2 : 1)) return { kind: "skipped" };
    const first = inputs[0]!.file;
    const merged = join(deps.workDir, "out.parquet");
    const table = first.table as TableName;
    const merge = await mergeParquet(deps.db, table, group, merged, job.notBeforeNs, deps.zstdLevel);
    // Same folder as the inputs unless retention cut the earliest rows: then its new first hour.
    const key = parquetPath({ orgId: first.orgId, bucket: first.bucket, table, minTimeNs: merge.minTimeNs });
    await deps.store.putFile(key, merged);
    const output: DataFile = {
      path: key,
      orgId: first.orgId,
      bucket: first.bucket,
      table: first.table,
      shardId: first.shardId,
      minTime: merge.minTimeNs.toString(),
      maxTime: merge.maxTimeNs.toString(),
      rows: merge.rows,
      bytes: merge.bytes,
      batchIds: merge.batchIds,
      // The oldest input's: chooseFiles orders files by it, and the output stands in for them.
      createdAt: Math.min(...inputs.map((i) => i.file.createdAt)),
    };
    const files = inputs.map((i) => i.file);
    // If this throws, the commit may or may not have happened: the output stays either way
    // (recorded, or an orphan the sweep removes), and the inputs stay until retired.
    const reason = job.notBeforeNs === undefined ? "compacted" : "expired";
    const committed = await deps.catalog.replaceDataFiles({ remove: files.map((f) => f.path), add: output, reason, at: deps.now() });
    if (!committed) {
      await deps.store.remove(key);
      return { kind: "superseded", inputs: files };
    }
    return { kind: "compacted", output, inputs: files, merge };
  } finally {
    await rm(deps.workDir, { recursive: true, force: true });
  }
}

/** Local paths DuckDB can read: the store's own files, or copies downloaded into the work folder. */
async function localInputs(deps: CompactDeps, files: readonly DataFile[]): Promise<MergeInput[]> {
  const store = deps.store;
  return Promise.all(
    files.map(async (file, i) => {
      const inPlace = store.localPath(file.path);
      if (inPlace !== undefined) return { file, localPath: inPlace };
      if (!isRemoteBlobStore(store)) throw new Error(`store can neither give a local path nor download ${file.path}`);
      const localPath = join(deps.workDir, `in-${i}.parquet`);
      await store.download(file.path, localPath);
      return { file, localPath };
    }),
  );
}

/**
 * Files written before a column was added lack it: those of the most common column set are
 * merged now (the others wait for a run where they are the most common).
 */
function largest(groups: readonly SchemaGroup[]): SchemaGroup {
  let best: SchemaGroup = { columns: [], partial: [], inputs: [] };
  for (const group of groups) if (group.inputs.length > best.inputs.length) best = group;
  return best;
}

