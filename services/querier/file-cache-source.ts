/**
 * Turns the manifest's files into local paths DuckDB can read, for one query:
 *
 * - local storage: the files themselves (`storage root / path`), nothing to hold;
 * - remote storage (S3): through the FileCache. A trace-by-id first reads the candidate
 *   files' footers (cached stubs) and downloads only the files whose row groups can hold
 *   the trace; every other query downloads what the manifest chose. The returned paths stay
 *   pinned in the cache until `release()` — call it when the query is done.
 */
import { join, resolve } from "node:path";
import type { DataFile } from "../../shared/catalog/index.ts";
import type { Config } from "../../shared/config/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { isRemoteBlobStore, LocalBlobStore, openBlobStore, type BlobStore } from "../../shared/storage/index.ts";
import { FileCache } from "./file-cache.ts";
import { TraceFilePruner } from "./trace-file-pruner.ts";

export interface FileLease {
  paths: string[];
  /** Unpins the files; safe to call more than once. */
  release(): void;
}

export interface AcquireHint {
  /** Set for trace-by-id: files that cannot hold this trace are skipped before download. */
  traceId?: string;
}

export interface ParquetFileSource {
  acquire(files: readonly Pick<DataFile, "path" | "bytes" | "table">[], hint?: AcquireHint): Promise<FileLease>;
  /** Files that left the manifest (compacted away, expired): local copies may go. */
  forget(paths: readonly string[]): Promise<void>;
  /** The local paths DuckDB reads (or read) for these manifest paths. */
  localPaths(paths: readonly string[]): string[];
  close(): Promise<void>;
}

type FileRef = Pick<DataFile, "path" | "bytes" | "table">;

const FOOTER_CONCURRENCY = 16;
const DOWNLOAD_CONCURRENCY = 6;
const NOTHING_HELD = () => {};

/** Local storage: the manifest path under the storage root, exactly as before. */
export function localFileSource(root: string): ParquetFileSource {
  // Manifest paths are relative and normal (the writer makes them): a prefix is all a path
  // needs, without normalising each of the files listed on every query.
  const prefix = join(root, "/");
  return {
    async acquire(files) {
      return { paths: files.map((f) => prefix + f.path), release: NOTHING_HELD };
    },
    // The writers delete them after the grace; nothing is copied here.
    async forget() {},
    localPaths(paths) {
      return paths.map((p) => prefix + p);
    },
    async close() {},
  };
}

export class CachedFileSource implements ParquetFileSource {
  private readonly pruned;

  constructor(
    readonly cache: FileCache,
    private readonly pruner: TraceFilePruner,
    private readonly log: Logger,
    metrics: MetricsRegistry,
  ) {
    this.pruned = metrics.counter("signalbox_querier_files_pruned_total", "remote Parquet files a trace-by-id skipped by footer statistics", ["table"]);
  }

  forget(paths: readonly string[]): Promise<void> {
    return this.cache.forget(paths);
  }

  localPaths(paths: readonly string[]): string[] {
    return paths.flatMap((p) => this.cache.localPaths(p));
  }

  async acquire(files: readonly FileRef[], hint: AcquireHint = {}): Promise<FileLease> {
    const wanted = hint.traceId ? await this.mayHold(files, hint.traceId) : [...files];
    const held: string[] = [];
    const release = () => {
      for (const key of held.splice(0)) this.cache.release(key, "file");
    };
    try {
      const paths = await mapLimit(wanted, DOWNLOAD_CONCURRENCY, async (f) => {
        const path = await this.cache.acquireFile(f.path, f.bytes);
        held.push(f.path);
        return path;
      });
      return { paths, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.pruner.close();
  }

  private async mayHold(files: readonly FileRef[], traceId: string): Promise<FileRef[]> {
    const verdicts = await mapLimit(files, FOOTER_CONCURRENCY, async (f) => {
      if (f.table !== "traces") return true;
      try {
        const stub = await this.cache.acquireFooter(f.path, f.bytes, (path) => this.pruner.bloomRanges(path));
        try {
          return await this.pruner.mayHoldTrace(stub, traceId);
        } finally {
          this.cache.release(f.path, "footer");
        }
      } catch (err) {
        // Unsure is "keep": a footer we cannot read must not hide rows.
        this.log.warn("query.footer_unreadable", { path: f.path, err });
        return true;
      }
    });
    const kept = files.filter((_, i) => verdicts[i]);
    if (kept.length < files.length) this.pruned.inc({ table: "traces" }, files.length - kept.length);
    return kept;
  }
}

/** The querier's file source for `storage.url`: local files, or S3 through the cache. */
export async function openParquetFileSource(deps: {
  config: Pick<Config, "storage" | "querier">;
  log: Logger;
  metrics: MetricsRegistry;
  store?: BlobStore;
}): Promise<ParquetFileSource> {
  const store = deps.store ?? openBlobStore(deps.config, deps.log);
  if (!isRemoteBlobStore(store)) {
    return localFileSource(store instanceof LocalBlobStore ? store.root : resolve(deps.config.storage.path));
  }
  const cache = await FileCache.open({
    dir: resolve(deps.config.querier.cache_path),
    maxBytes: deps.config.querier.cache_max_bytes,
    store,
    log: deps.log,
    metrics: deps.metrics,
  });
  return new CachedFileSource(cache, await TraceFilePruner.open(), deps.log, deps.metrics);
}

/** At most `limit` calls at once; on a failure it stops starting new ones, waits for those running, then throws. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure) throw failure.reason;
  return out;
}
