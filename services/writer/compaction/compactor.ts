/**
 * The writer's data lifecycle, every `compaction.interval`: for the shards this writer is
 * primary of, drop files past retention, rewrite those that straddle the retention cutoff
 * without their expired rows, and merge each partition's small files (compact-partition.ts); for the whole store, delete retired files once
 * `compaction.delete_grace` has passed and sweep orphans (files no catalog row knows, older
 * than the grace: left by a crash between storing a file and recording it).
 *
 * Who compacts a partition: the primary of its shard, the one writer that flushes it. The
 * catalog transaction makes it safe even when two writers briefly both think they are
 * primary (a failover): it records an output only if every input is still recorded, so the
 * second compactor's output is dropped, never added.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { openDuckDB, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import type { CatalogRepository, DataFile, ManifestScope } from "../../../shared/catalog/index.ts";
import type { Logger } from "../../../shared/log/index.ts";
import type { MetricsRegistry } from "../../../shared/metrics/index.ts";
import type { RetentionPolicy } from "../../../shared/retention/index.ts";
import { parseParquetPath, type BlobStore } from "../../../shared/storage/index.ts";
import { compactPartition } from "./compact-partition.ts";
import { LifecycleMetrics } from "./metrics.ts";
import { expiredFiles, partitionOf, planCompactions, straddlingFiles, type CompactionJob } from "./plan.ts";

export interface CompactorOptions {
  intervalMs: number;
  targetFileBytes: number;
  minFiles: number;
  concurrency: number;
  memoryLimit: string;
  /** DuckDB block memory kept between merges (`compaction.retained_memory`). */
  retainedMemory?: string;
  /** zstd level of the files it writes (`compaction.zstd_level`); DEFAULT_COMPACTION_ZSTD_LEVEL when unset. */
  zstdLevel?: number;
  deleteGraceMs: number;
}

export interface CompactorDeps {
  catalog: CatalogRepository;
  store: BlobStore;
  /** Local scratch folder (storage.path/.scratch): downloads, merge output, DuckDB spill. */
  scratchDir: string;
  log: Logger;
  metrics: MetricsRegistry;
  retention: RetentionPolicy;
  /** Only the primary of a shard compacts or expires its files. */
  isPrimary: (shardId: number) => boolean;
  options: CompactorOptions;
}

export interface RunSummary {
  compacted: number;
  expired: number;
  deleted: number;
  orphans: number;
}

export class Compactor {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<RunSummary> | undefined;
  private stopped = false;
  /** Connections of the merges under way (stop interrupts them). */
  private readonly working = new Set<DuckDBConnection>();
  private readonly metrics: LifecycleMetrics;
  private readonly workRoot: string;

  private constructor(
    private readonly deps: CompactorDeps,
    private readonly duck: DuckDBHandle,
  ) {
    this.metrics = new LifecycleMetrics(deps.metrics);
    this.workRoot = join(deps.scratchDir, "compaction");
  }

  /** A DuckDB of its own, `concurrency` threads and a memory limit: compaction never takes the flush's connection or more cores than allowed. */
  static async open(deps: CompactorDeps): Promise<Compactor> {
    const workRoot = join(deps.scratchDir, "compaction");
    // A crash mid-merge leaves downloads and half-written outputs here, never in the store.
    rmSync(workRoot, { recursive: true, force: true });
    mkdirSync(workRoot, { recursive: true });
    const { concurrency, memoryLimit, retainedMemory } = deps.options;
    const duck = await openDuckDB(":memory:", {
      config: {
        threads: String(concurrency),
        memory_limit: memoryLimit,
        temp_directory: join(workRoot, "duckdb"),
        preserve_insertion_order: "true",
        // Each input is read once and then retired: keeping its bytes in DuckDB's file cache
        // only costs a copy per column chunk, and memory the merge's sort could use.
        enable_external_file_cache: "false",
        // A merge's blocks handed back to the kernel come back as page faults in the next
        // merge's sort and row groups: keep some, as the flush does (docs/operations.md, "Memory").
        ...(retainedMemory !== undefined ? { block_allocator_memory: retainedMemory } : {}),
      },
    });
    return new Compactor(deps, duck);
  }

  /** First run soon (the orphan sweep of a restart), then every interval. */
  start(): void {
    this.schedule(Math.min(this.deps.options.intervalMs, 1_000));
  }

  /**
   * Stops at once: a merge under way is interrupted (before its transaction it has recorded
   * nothing; its stored output, if any, is an orphan the next sweep removes).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const connection of this.working) connection.interrupt();
    await this.running?.catch(() => undefined);
    this.duck.close();
  }

  /** One pass of everything; passes never overlap. */
  runOnce(now = Date.now()): Promise<RunSummary> {
    const previous = this.running ?? Promise.resolve(undefined);
    const run = previous.catch(() => undefined).then(() => this.pass(now));
    this.running = run;
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      try {
        await this.runOnce();
      } catch (err) {
        this.deps.log.error("compaction.failed", { err });
      }
      this.schedule(this.deps.options.intervalMs);
    }, delayMs);
  }

  private async pass(now: number): Promise<RunSummary> {
    const summary: RunSummary = { compacted: 0, expired: 0, deleted: 0, orphans: 0 };
    const jobs: CompactionJob[] = [];
    const backlog = new Map<string, number>();
    for (const scope of await this.deps.catalog.listManifestScopes()) {
      if (this.stopped) return summary;
      const files = (await this.deps.catalog.listDataFiles(scope)).filter((f) => this.deps.isPrimary(f.shardId));
      const live = await this.expire(scope, files, now, summary);
      const cutoff = this.deps.retention.cutoffNs(scope, now);
      const straddling = cutoff === undefined ? [] : straddlingFiles(live, cutoff);
      const cut = new Set(straddling.map((f) => f.path));
      const planned = [
        ...straddling.map((f) => ({ partition: partitionOf(f.path), inputs: [f], notBeforeNs: cutoff })),
        ...planCompactions(live.filter((f) => !cut.has(f.path)), { targetBytes: this.deps.options.targetFileBytes, minFiles: this.deps.options.minFiles }),
      ];
      jobs.push(...planned);
      backlog.set(scope.table, (backlog.get(scope.table) ?? 0) + planned.reduce((n, j) => n + j.inputs.length, 0));
    }
    this.metrics.setBacklog(backlog);
    const started = performance.now();
    await this.runJobs(jobs, summary, backlog, () => now + (performance.now() - started));
    if (this.stopped) return summary;
    summary.deleted = await this.deleteRetired(now);
    summary.orphans = await this.sweepOrphans(now);
    if (summary.compacted + summary.expired + summary.deleted + summary.orphans > 0) this.deps.log.info("compaction.pass", { ...summary });
    return summary;
  }

  /** Files wholly past retention leave the manifest (their storage objects go after the grace). */
  private async expire(scope: ManifestScope, files: DataFile[], now: number, summary: RunSummary): Promise<DataFile[]> {
    const cutoff = this.deps.retention.cutoffNs(scope, now);
    if (cutoff === undefined) return files;
    const expired = expiredFiles(files, cutoff);
    if (expired.length === 0) return files;
    const done = await this.deps.catalog.replaceDataFiles({ remove: expired.map((f) => f.path), add: null, reason: "expired", at: now });
    if (!done) return []; // the scope changed meanwhile: the next pass looks again
    summary.expired += expired.length;
    this.metrics.expired(scope.table, expired);
    this.deps.log.info("retention.expired", { org: scope.orgId, bucket: scope.bucket, table: scope.table, files: expired.length, cutoff_ns: cutoff.toString() });
    const gone = new Set(expired.map((f) => f.path));
    return files.filter((f) => !gone.has(f.path));
  }

  /** At most `concurrency` jobs at once, each on its own connection. */
  private async runJobs(jobs: CompactionJob[], summary: RunSummary, backlog: Map<string, number>, clock: () => number): Promise<void> {
    let next = 0;
    const worker = async (slot: number) => {
      const db = await this.duck.instance.connect();
      this.working.add(db);
      try {
        while (next < jobs.length && !this.stopped) {
          const job = jobs[next++]!;
          if (await this.runJob(job, db, slot, clock)) summary.compacted++;
          const table = job.inputs[0]!.table;
          backlog.set(table, Math.max(0, (backlog.get(table) ?? 0) - job.inputs.length));
          this.metrics.setBacklog(backlog);
        }
      } finally {
        this.working.delete(db);
        db.closeSync();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.options.concurrency, jobs.length) }, (_, i) => worker(i)));
  }

  private async runJob(job: CompactionJob, db: DuckDBConnection, slot: number, now: () => number): Promise<boolean> {
    const started = performance.now();
    const table = job.inputs[0]!.table;
    try {
      const outcome = await compactPartition({ ...this.deps, db, now, workDir: join(this.workRoot, `job-${slot}`), zstdLevel: this.deps.options.zstdLevel }, job);
      if (outcome.kind === "superseded") this.deps.log.warn("compaction.superseded", { partition: job.partition, inputs: outcome.inputs.length });
      if (outcome.kind !== "compacted") {
        this.metrics.run(table, outcome.kind);
        return false;
      }
      const seconds = (performance.now() - started) / 1000;
      this.metrics.compacted(table, outcome.inputs, outcome.output, seconds);
      this.deps.log.info("compaction.done", {
        partition: job.partition,
        inputs: outcome.inputs.length,
        rows: outcome.output.rows,
        duplicate_rows: outcome.merge.duplicateRows,
        bytes_in: outcome.inputs.reduce((n, f) => n + f.bytes, 0),
        bytes_out: outcome.output.bytes,
        ms: Math.round(seconds * 1000),
      });
      return true;
    } catch (err) {
      if (this.stopped) return false; // interrupted by stop(): not a failure
      this.metrics.run(table, "failed");
      this.deps.log.error("compaction.job_failed", { partition: job.partition, inputs: job.inputs.length, err });
      return false;
    }
  }

  /** Retired files past the grace: their objects deleted, then their rows forgotten. */
  private async deleteRetired(now: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const due = await this.deps.catalog.retiredFiles(now - this.deps.options.deleteGraceMs, 500);
      if (due.length === 0) return deleted;
      for (const file of due) {
        await this.deps.store.remove(file.path);
        this.metrics.reclaimed(file.table, file.reason, file.bytes);
      }
      await this.deps.catalog.forgetRetiredFiles(due.map((f) => f.path));
      deleted += due.length;
      if (due.length < 500) return deleted;
    }
  }

  /** Data-layout files no catalog row knows and older than the grace (a file being recorded is younger). */
  private async sweepOrphans(now: number): Promise<number> {
    const old = (await this.deps.store.list("")).filter((b) => b.modifiedAt < now - this.deps.options.deleteGraceMs && isDataFile(b.key));
    if (old.length === 0) return 0;
    const untracked = await this.deps.catalog.untrackedPaths(old.map((b) => b.key));
    for (const blob of old) {
      if (!untracked.has(blob.key)) continue;
      await this.deps.store.remove(blob.key);
      this.metrics.reclaimed(parseParquetPath(blob.key).table, "orphan", blob.bytes);
      this.deps.log.info("compaction.orphan_removed", { path: blob.key, bytes: blob.bytes });
    }
    return untracked.size;
  }
}

function isDataFile(key: string): boolean {
  try {
    parseParquetPath(key);
    return true;
  } catch {
    return false;
  }
}
