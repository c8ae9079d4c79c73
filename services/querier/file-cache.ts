/**
 * The querier's local on-disk cache of remote Parquet files (DuckDB here has no network
 * extensions, so it reads local files only). Two kinds of entries share one byte budget:
 *
 * - `files/<key>`: whole Parquet files, downloaded on a miss;
 * - `footers/<key>`: footer stubs (sparse files holding only the footer and bloom filters,
 *   see shared/storage/s3-footer-stub.ts), used to decide which files a trace-by-id needs.
 *
 * Objects are immutable (a key is written once), so an entry never goes stale. Fills are
 * atomic and size-verified: download to `.tmp-*`, check the size against the manifest,
 * rename into place — a crash leaves a temp file (swept at open), never a short entry.
 * Concurrent misses of one key share one download. Eviction is LRU by last use, skipping
 * entries a running query holds (`acquire` … `release`), so a file never disappears under
 * DuckDB; the budget may be exceeded while pinned entries alone exceed it.
 */
import { mkdir, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import {
  intoFolder,
  isTempName,
  patchFooterStub,
  pruneEmptyFolders,
  validateKey,
  writeFooterStub,
  type ByteRange,
  type FooterStub,
  type RemoteBlobStore,
} from "../../shared/storage/index.ts";

export type CacheKind = "file" | "footer";

export class CacheFillError extends Error {
  constructor(key: string, reason: string) {
    super(`cache fill of ${JSON.stringify(key)} failed: ${reason}`);
    this.name = "CacheFillError";
  }
}

interface Entry {
  path: string;
  /** Bytes the entry occupies (for stubs: the bytes actually fetched, not the sparse size). */
  bytes: number;
  pins: number;
  /** The object left the manifest (compacted away, expired): dropped once no query holds it. */
  forgotten?: boolean;
}

export interface FileCacheOptions {
  dir: string;
  maxBytes: number;
  store: RemoteBlobStore;
  log: Logger;
  metrics: MetricsRegistry;
}

/** Given a fresh footer stub, the byte ranges it must also hold (e.g. bloom filters). */
export type StubCompleter = (stubPath: string) => Promise<ByteRange[]>;

const SUBDIR: Record<CacheKind, string> = { file: "files", footer: "footers" };

export class FileCache {
  /** Map order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly filling = new Map<string, Promise<Entry>>();
  private total = 0;
  private readonly hits;
  private readonly misses;
  private readonly evictions;
  private readonly fetched;
  private readonly forgotten;

  private constructor(private readonly opts: FileCacheOptions) {
    const m = opts.metrics;
    this.hits = m.counter("signalbox_querier_cache_hits_total", "Parquet cache lookups served locally, by kind (file, footer)", ["kind", "shared"]);
    this.misses = m.counter("signalbox_querier_cache_misses_total", "Parquet cache lookups that fetched from storage, by kind (file, footer)", ["kind"]);
    this.evictions = m.counter("signalbox_querier_cache_evictions_total", "Parquet cache entries evicted (LRU), by kind", ["kind"]);
    this.forgotten = m.counter(
      "signalbox_querier_cache_forgotten_total",
      "Parquet cache entries dropped because their file left the manifest (compaction, retention), by kind",
      ["kind"],
    );
    this.fetched = m.counter("signalbox_querier_cache_fetched_bytes_total", "bytes fetched from remote storage into the cache, by kind", ["kind"]);
    m.gauge("signalbox_querier_cache_bytes", "bytes held by the Parquet cache", [], () => [[undefined, this.total]]);
    m.gauge("signalbox_querier_cache_max_bytes", "Parquet cache budget (querier.cache_max_bytes)", [], () => [[undefined, this.opts.maxBytes]]);
  }

  /** Opens the cache folder, sweeping crash leftovers and adopting complete entries (oldest first). */
  static async open(opts: FileCacheOptions): Promise<FileCache> {
    const cache = new FileCache(opts);
    await mkdir(opts.dir, { recursive: true });
    const found: Array<{ id: string; entry: Entry; mtime: number }> = [];
    for (const kind of ["file", "footer"] as const) {
      const base = join(opts.dir, SUBDIR[kind]);
      const names = await readdir(base, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return [] as string[];
        throw err;
      });
      for (const name of names) {
        const path = join(base, name);
        const s = await stat(path);
        if (!s.isFile()) continue;
        found.push({ id: entryId(kind, name), entry: { path, bytes: kind === "file" ? s.size : s.blocks * 512, pins: 0 }, mtime: s.mtimeMs });
      }
    }
    for (const name of await readdir(opts.dir)) if (isTempName(name)) await rm(join(opts.dir, name), { force: true });
    found.sort((a, b) => a.mtime - b.mtime);
    for (const f of found) cache.adopt(f.id, f.entry);
    await cache.evict();
    opts.log.info("cache.opened", { dir: opts.dir, entries: cache.entries.size, bytes: cache.total, max_bytes: opts.maxBytes });
    return cache;
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * A local path holding the whole object `key` (`bytes` long, per the manifest), pinned
   * until `release(key, "file")`.
   */
  async acquireFile(key: string, bytes: number): Promise<string> {
    const entry = await this.lookup("file", key, (tmp) => this.fillFile(key, bytes, tmp));
    return entry.path;
  }

  /** A local footer stub of `key`, pinned until `release(key, "footer")`. */
  async acquireFooter(key: string, bytes: number, complete?: StubCompleter): Promise<string> {
    const entry = await this.lookup("footer", key, (tmp) => this.fillFooter(key, bytes, tmp, complete));
    return entry.path;
  }

  release(key: string, kind: CacheKind): void {
    const id = entryId(kind, key);
    const entry = this.entries.get(id);
    if (!entry || entry.pins === 0) return;
    entry.pins--;
    if (entry.pins === 0 && entry.forgotten) void this.drop(id, entry).catch((err) => this.opts.log.error("cache.drop_failed", { err }));
    else if (entry.pins === 0 && this.total > this.opts.maxBytes) void this.evict().catch((err) => this.opts.log.error("cache.evict_failed", { err }));
  }

  /**
   * Objects that left the manifest will not be asked for again: their entries (file and
   * footer) go now, or when the last query holding them releases them.
   */
  async forget(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      for (const kind of ["file", "footer"] as const) {
        const id = entryId(kind, key);
        const entry = this.entries.get(id);
        if (!entry) continue;
        if (entry.pins > 0) entry.forgotten = true;
        else await this.drop(id, entry);
      }
    }
  }

  private async drop(id: string, entry: Entry): Promise<void> {
    if (this.entries.get(id) !== entry) return;
    this.entries.delete(id);
    this.total -= entry.bytes;
    this.forgotten.inc({ kind: id.startsWith("file:") ? "file" : "footer" });
    await this.removeEntryFile(entry.path);
  }

  private async lookup(kind: CacheKind, key: string, fill: (tmp: string) => Promise<number>): Promise<Entry> {
    validateKey(key);
    const id = entryId(kind, key);
    const present = this.entries.get(id);
    if (present) {
      this.touch(id, present);
      present.pins++;
      this.hits.inc({ kind });
      return present;
    }
    let pending = this.filling.get(id);
    if (!pending) {
      this.misses.inc({ kind });
      pending = this.fill(kind, key, id, fill).finally(() => this.filling.delete(id));
      this.filling.set(id, pending);
    } else {
      // Another query is fetching it: that download serves this one too.
      this.hits.inc({ kind, shared: "true" });
    }
    const entry = await pending;
    entry.pins++;
    return entry;
  }

  private async fill(kind: CacheKind, key: string, id: string, fill: (tmp: string) => Promise<number>): Promise<Entry> {
    const started = performance.now();
    const dest = join(this.opts.dir, SUBDIR[kind], key);
    const tmp = join(this.opts.dir, `.tmp-${crypto.randomUUID()}`);
    let bytes: number;
    try {
      bytes = await fill(tmp);
      // An eviction may prune the folder between making it and renaming into it.
      await intoFolder(dest, () => rename(tmp, dest), (dir) => mkdir(dir, { recursive: true }));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    this.fetched.inc({ kind }, bytes);
    const entry: Entry = { path: dest, bytes, pins: 0 };
    this.adopt(id, entry);
    // The new entry is pinned by its caller right after this resolves; keep it out of this round.
    entry.pins++;
    try {
      await this.evict();
    } finally {
      entry.pins--;
    }
    this.opts.log.debug("cache.filled", { kind, key, bytes, ms: Math.round(performance.now() - started) });
    return entry;
  }

  private async fillFile(key: string, expected: number, tmp: string): Promise<number> {
    const written = await this.opts.store.download(key, tmp);
    const onDisk = (await stat(tmp)).size;
    if (written !== expected || onDisk !== expected) {
      throw new CacheFillError(key, `expected ${expected} bytes (manifest), got ${written} (${onDisk} on disk)`);
    }
    return expected;
  }

  private async fillFooter(key: string, size: number, tmp: string, complete?: StubCompleter): Promise<number> {
    const stub: FooterStub = await writeFooterStub(this.opts.store, key, size, tmp);
    if (complete) await patchFooterStub(this.opts.store, key, tmp, stub, await complete(tmp));
    return stub.fetchedBytes;
  }

  private adopt(id: string, entry: Entry): void {
    const old = this.entries.get(id);
    if (old) this.total -= old.bytes;
    this.entries.set(id, entry);
    this.total += entry.bytes;
  }

  private touch(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
  }

  /** Deletes an entry's file and the folders it leaves empty (one per table and hour, else kept for good). */
  private async removeEntryFile(path: string): Promise<void> {
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    await pruneEmptyFolders(dirname(path), this.opts.dir);
  }

  /** Where a key's file and footer stub are (or would be) kept. */
  localPaths(key: string): string[] {
    return (["file", "footer"] as const).map((kind) => join(this.opts.dir, SUBDIR[kind], key));
  }

  private async evict(): Promise<void> {
    if (this.total <= this.opts.maxBytes) return;
    for (const [id, entry] of this.entries) {
      if (this.total <= this.opts.maxBytes) break;
      if (entry.pins > 0) continue;
      this.entries.delete(id);
      this.total -= entry.bytes;
      this.evictions.inc({ kind: id.startsWith("file:") ? "file" : "footer" });
      await this.removeEntryFile(entry.path);
    }
    if (this.total > this.opts.maxBytes) {
      this.opts.log.warn("cache.over_budget", { bytes: this.total, max_bytes: this.opts.maxBytes, reason: "entries in use by running queries" });
    }
  }
}

function entryId(kind: CacheKind, key: string): string {
  return `${kind}:${key}`;
}
