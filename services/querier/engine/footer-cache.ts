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
  ) {}

  async get(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, T>> {
    const unknown = [...new Set(files.filter((f) => !this.cache.has(f)))];
    if (unknown.length > 0) {
      const read = await this.read(connection, unknown);
      if (this.cache.size + unknown.length > MAX_CACHED) this.cache.clear();
      for (const f of unknown) this.cache.set(f, read.has(f) ? read.get(f)! : this.missing);
    }
    return new Map(files.map((f) => [f, this.cache.get(f)!]));
  }
}
