/**
 * The query benchmark's data set: N realistic spans written the way a writer writes them
 * (writeParquet, one file per `fileRows` spans, the storage layout, footers) and recorded in a
 * SQLite catalog file. Cached in a temp folder keyed by the parameters and by the code that
 * shapes the files (the Parquet writer and the span generator), so reruns start at once and a
 * layout change regenerates. Writing the files doubles as the flush measurement.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { datasetIntact } from "./dataset-intact.ts";
import { openCatalog } from "../../shared/catalog/index.ts";
import { openDuckDB } from "../../shared/duckdb/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { parquetPath } from "../../shared/storage/index.ts";
import { footerMetadata, writeParquet } from "../../services/writer/parquet/index.ts";
import { spanGenerator } from "./query-spans.ts";
import { datasetCodeVersion } from "./dataset-version.ts";

export const ORG = "default";
export const BUCKET = "default";

export interface DatasetOptions {
  spans: number;
  /** Spans per Parquet file (the writer's max_buffer_rows). */
  fileRows: number;
  /** Time range covered, hours. */
  hours: number;
  seed: number;
}

export interface FlushFigure {
  rows: number;
  wallMs: number;
  cpuMs: number;
  bytes: number;
  load1: number;
}

export interface Dataset {
  dir: string;
  storagePath: string;
  catalogDsn: string;
  files: string[];
  traceIds: string[];
  startNs: string;
  endNs: string;
  /** writeParquet timings of the run that generated the data (empty for a cached set). */
  flushes: FlushFigure[];
  cached: boolean;
}

const codeVersion = () =>
  datasetCodeVersion([
    "bench/lib/query-spans.ts",
    ...["arrow-scan.ts", "column-gather.ts", "row-order.ts"].map((f) => `shared/duckdb/${f}`),
    ...["dedicated-attributes.ts", "dedicated-columns.ts"].map((f) => `shared/tables/${f}`),
  ]);

export async function ensureDataset(opts: DatasetOptions, progress: (line: string) => void): Promise<Dataset> {
  const key = `${opts.spans}-${opts.fileRows}-${opts.hours}h-s${opts.seed}-${codeVersion()}`;
  const dir = join(tmpdir(), `signalbox-bench-query-${key}`);
  const storagePath = join(dir, "data");
  const catalogDsn = `sqlite:${join(dir, "catalog.db")}`;
  const metaPath = join(dir, "dataset.json");
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as Omit<Dataset, "dir" | "storagePath" | "catalogDsn" | "flushes" | "cached">;
    if (datasetIntact(storagePath, meta.files)) return { ...meta, dir, storagePath, catalogDsn, flushes: [], cached: true };
    progress(`data set ${dir} no longer holds the files it was written with: rebuilding`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(storagePath, { recursive: true });

  const startNs = 1_740_787_200_000_000_000n; // 2025-03-01T00:00:00Z
  const endNs = startNs + BigInt(opts.hours * 3600) * 1_000_000_000n;
  const gen = spanGenerator({ seed: opts.seed, startNs, endNs, totalSpans: opts.spans });
  const log = createLogger({ level: "warn", bindings: { role: "bench" } });
  const catalog = await openCatalog(catalogDsn, { log });
  // The writer's own settings: DuckDB with the machine's threads, one connection per flusher.
  const db = await openDuckDB(":memory:", { config: { threads: String(cpus().length) } });
  const files: string[] = [];
  const flushes: FlushFigure[] = [];
  const began = performance.now();
  try {
    for (let written = 0, i = 0; written < opts.spans; i++) {
      const rows = Math.min(opts.fileRows, opts.spans - written);
      const batchId = `bench-${i}`;
      const batch = gen.next(rows, batchId);
      const minTime = batch.getChild("start_time_unix_nano")!.data[0]!.values as BigInt64Array;
      let min = minTime[0]!;
      for (const v of minTime) if (v < min) min = v;
      const path = parquetPath({ orgId: ORG, bucket: BUCKET, table: "traces", minTimeNs: min });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await writeParquet({
        db: db.connection,
        table: "traces",
        batches: [batch],
        destPath: join(storagePath, path),
        metadata: footerMetadata({ orgId: ORG, bucket: BUCKET, shardId: 0, batchIds: [batchId] }),
      });
      const cpu = process.cpuUsage(cpu0);
      const figure = { rows, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, bytes: result.bytes, load1: loadavg()[0]! };
      flushes.push(figure);
      await catalog.addDataFile({
        path, orgId: ORG, bucket: BUCKET, table: "traces", shardId: 0,
        minTime: String(result.minTimeNs), maxTime: String(result.maxTimeNs),
        rows, bytes: result.bytes, batchIds: [batchId], createdAt: Date.now(),
      });
      files.push(path);
      written += rows;
      const el = (performance.now() - began) / 1000;
      progress(
        `  file ${i + 1}: ${written.toLocaleString()} / ${opts.spans.toLocaleString()} spans, ${el.toFixed(0)} s; ` +
          `flush ${rows} rows ${figure.wallMs.toFixed(0)} ms wall (${((rows / figure.wallMs) * 1000).toFixed(0)} spans/s), ` +
          `${(result.bytes / 2 ** 20).toFixed(1)} MiB, load ${figure.load1.toFixed(1)}`,
      );
    }
  } finally {
    db.close();
    await catalog.close();
  }
  const meta = { files, traceIds: gen.sampleTraceIds, startNs: String(startNs), endNs: String(endNs) };
  writeFileSync(metaPath, JSON.stringify(meta));
  return { ...meta, dir, storagePath, catalogDsn, flushes, cached: false };
}
