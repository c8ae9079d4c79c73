/**
 * Facts read from Parquet footers, kept per path for the life of the process: files are
 * immutable and a path never gets other content. Bounded, so a long-running querier does not
 * grow without limit; a miss only costs a footer read.
 */
import type { DuckDBConnection } from "@duckdb/node-api";

const MAX_CACHED = 200_000;

export class FooterCache<T> {
  private readonly cache = new Map<string, T>();

  /**
   * `read` answers for the files it is given (one statement over all of them); a file it
   * leaves out gets `missing`.
   */
  constructor(
    private readonly read: (connection: DuckDBConnection, files: string[]) => Promise<Map<string, T>>,
    private readonly missing: T,
    private readonly maxCached = MAX_CACHED,
  ) {}

  async get(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    const unknown: string[] = [];
    for (const f of new Set(files)) {
      if (this.cache.has(f)) out.set(f, this.cache.get(f)!);
      else unknown.push(f);
    }
    if (unknown.length > 0) {
      const read = await this.read(connection, unknown);
      // Starting over drops entries, never this call's answers (taken above).
      if (this.cache.size + unknown.length > this.maxCached) this.cache.clear();
      for (const f of unknown) {
        const value = read.has(f) ? read.get(f)! : this.missing;
        this.cache.set(f, value);
        out.set(f, value);
      }
    }
    return out;
  }
}
