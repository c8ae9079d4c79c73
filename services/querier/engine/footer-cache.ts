/**
 * Facts read from Parquet footers, kept per path: files are immutable and a path never gets
 * other content. Bounded by an LRU (lru-cache), so a long-running querier does not grow
 * without limit and keeps the files queries keep asking for; a miss only costs a footer read.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { LRUCache } from "lru-cache";
import { registerFileFacts, type FileFactsCache } from "./file-facts.ts";

const MAX_CACHED = 200_000;

export class FooterCache<T> implements FileFactsCache {
  /** Boxed: lru-cache stores no undefined, and `T` may include it. */
  private readonly cache: LRUCache<string, { value: T }>;

  /**
   * `read` answers for the files it is given (one statement over all of them); a file it
   * leaves out gets `missing`.
   */
  constructor(
    private readonly read: (connection: DuckDBConnection, files: string[]) => Promise<Map<string, T>>,
    private readonly missing: T,
    maxCached = MAX_CACHED,
  ) {
    this.cache = new LRUCache({ max: maxCached });
    registerFileFacts(this);
  }

  forgetFiles(paths: ReadonlySet<string>): void {
    for (const path of paths) this.cache.delete(path);
  }

  async get(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    const unknown: string[] = [];
    for (const f of new Set(files)) {
      const hit = this.cache.get(f);
      if (hit) out.set(f, hit.value);
      else unknown.push(f);
    }
    if (unknown.length > 0) {
      const read = await this.read(connection, unknown);
      // Evictions drop the least recently used entries, never this call's answers (taken above).
      for (const f of unknown) {
        const value = read.has(f) ? read.get(f)! : this.missing;
        this.cache.set(f, { value });
        out.set(f, value);
      }
    }
    return out;
  }
}
