/**
 * The LogQL benchmark's data set: N log records (log-lines.ts) written the way a writer
 * flushes them — writeParquet, one file per `fileRows` records in time order, the storage
 * layout and footers — and recorded in a SQLite catalog, as bench/lib/query-dataset.ts does
 * for spans. Cached in a temp folder keyed by the parameters and by the code that shapes the
 * files, so reruns start at once.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { datasetIntact } from "./dataset-intact.ts";
import { openCatalog } from "../../shared/catalog/index.ts";
import { openDuckDB } from "../../shared/duckdb/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { parquetPath } from "../../shared/storage/index.ts";
import { footerMetadata, writeParquet } from "../../services/writer/parquet/index.ts";
import { logGenerator } from "./log-lines.ts";
import { datasetCodeVersion } from "./dataset-version.ts";

export const ORG = "default";
export const BUCKET = "default";

export interface LogDatasetOptions {
  lines: number;
  fileRows: number;
  hours: number;
  seed: number;
}

export interface LogDataset {
  dir: string;
  storagePath: string;
  catalogDsn: string;
  files: number;
  parquetBytes: number;
  startNs: bigint;
  endNs: bigint;
  /** Seconds it took to generate and write the files (0 when cached). */
  writeSeconds: number;
  cached: boolean;
}

const codeVersion = () =>
  datasetCodeVersion(["bench/lib/log-lines.ts", "shared/loki/plain-logfmt.ts"]);

export async function ensureLogDataset(opts: LogDatasetOptions, progress: (line: string) => void): Promise<LogDataset> {
  const key = `${opts.lines}-${opts.fileRows}-${opts.hours}h-s${opts.seed}-${codeVersion()}`;
  const dir = join(tmpdir(), `signalbox-bench-logql-${key}`);
  const storagePath = join(dir, "data");
  const catalogDsn = `sqlite:${join(dir, "catalog.db")}`;
  const metaPath = join(dir, "dataset.json");
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as { files: number; parquetBytes: number; startNs: string; endNs: string };
    if (datasetIntact(storagePath, meta.files)) {
      return { ...meta, startNs: BigInt(meta.startNs), endNs: BigInt(meta.endNs), dir, storagePath, catalogDsn, writeSeconds: 0, cached: true };
    }
    progress(`data set ${dir} no longer holds the files it was written with: rebuilding`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(storagePath, { recursive: true });

  // The data ends at the minute before now: "the last hour" is the data's last hour.
  const endNs = BigInt(Math.floor(Date.now() / 60_000) * 60_000) * 1_000_000n;
  const startNs = endNs - BigInt(opts.hours * 3600) * 1_000_000_000n;
  const gen = logGenerator({ seed: opts.seed, startNs, endNs, totalLines: opts.lines });
  const log = createLogger({ level: "warn", bindings: { role: "bench" } });
  const catalog = await openCatalog(catalogDsn, { log });
  const db = await openDuckDB(":memory:", { config: { threads: String(cpus().length) } });
  const began = performance.now();
  let files = 0;
  let parquetBytes = 0;
  try {
    for (let written = 0; written < opts.lines; files++) {
      const rows = Math.min(opts.fileRows, opts.lines - written);
      const batchId = `bench-logs-${files}`;
      const batch = gen.next(rows, batchId);
      const times = batch.getChild("time_unix_nano")!.data[0]!.values as BigInt64Array;
      const path = parquetPath({ orgId: ORG, bucket: BUCKET, table: "logs", minTimeNs: times[0]! });
      const result = await writeParquet({
        db: db.connection,
        table: "logs",
        batches: [batch],
        destPath: join(storagePath, path),
        metadata: footerMetadata({ orgId: ORG, bucket: BUCKET, shardId: 0, batchIds: [batchId] }),
      });
      await catalog.addDataFile({
        path, orgId: ORG, bucket: BUCKET, table: "logs", shardId: 0,
        minTime: String(result.minTimeNs), maxTime: String(result.maxTimeNs),
        rows, bytes: result.bytes, batchIds: [batchId], createdAt: Date.now(),
      });
      parquetBytes += result.bytes;
      written += rows;
      if (files % 5 === 0 || written === opts.lines) {
        progress(`  ${written.toLocaleString()} / ${opts.lines.toLocaleString()} lines, ${files + 1} files, ${((performance.now() - began) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    db.close();
    await catalog.close();
  }
  writeFileSync(metaPath, JSON.stringify({ files, parquetBytes, startNs: String(startNs), endNs: String(endNs) }));
  return { dir, storagePath, catalogDsn, files, parquetBytes, startNs, endNs, writeSeconds: (performance.now() - began) / 1000, cached: false };
}
