/**
 * The grouped samples SQL extracted from each Parquet file for a `| logfmt` metric query's
 * shape (log-samples.ts), kept between queries. A dashboard refreshes the same query over a
 * range that moves a little each time: almost all of its files are the same, and a file never
 * changes once written (a compaction writes a new one), so its samples for that shape are
 * still right — only the files new since the last refresh are read. Loki's results cache
 * serves the same refreshes.
 *
 * An entry holds a whole file's samples (it is stored only when the query's range covers all
 * the file's rows) and what reading them counted for Loki's stats; rows SQL could not decide
 * are only counted — the evaluator reads them afresh each time. Entries past the byte budget
 * (`query.log_sample_cache`) are dropped, least recently used first.
 */
import type { LogSampleGroup, LogSampleRequest } from "../../../../shared/query/logql/index.ts";

export interface FileSamples {
  groups: LogSampleGroup[];
  /** Rows of the file left to the evaluator (they are not kept). */
  restRows: number;
  /** Lines and stored bytes SQL read of the file. */
  linesRead: number;
  bytesRead: number;
}

/** Bytes an entry is charged beyond its arrays: the objects, the labels, the key. */
const ENTRY_OVERHEAD = 512;
const GROUP_OVERHEAD = 256;

export class LogSampleCache {
  private readonly entries = new Map<string, { samples: FileSamples; bytes: number }>();
  private used = 0;

  constructor(private readonly maxBytes: number) {}

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes the entries take. */
  get bytes(): number {
    return this.used;
  }

  get(file: string, shape: string): FileSamples | undefined {
    const key = entryKey(file, shape);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Most recently used last: eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.samples;
  }

  set(file: string, shape: string, samples: FileSamples): void {
    const key = entryKey(file, shape);
    const bytes = ENTRY_OVERHEAD + key.length * 2 + samples.groups.reduce((n, g) => n + GROUP_OVERHEAD + g.offsetsNs.byteLength + (g.values?.byteLength ?? 0), 0);
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.used -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { samples, bytes });
    this.used += bytes;
    for (const [k, entry] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= entry.bytes;
    }
  }
}

/** What, besides the file and the time range, decides a file's samples: the request's shape. */
export function sampleShape(request: LogSampleRequest): string {
  const { matchers, lineFilters, groupBy, value, parser, unwrap } = request;
  return JSON.stringify([matchers.map((m) => [m.name, m.op, m.value]), lineFilters ?? [], groupBy, value, parser ?? "", unwrap ?? null]);
}

const entryKey = (file: string, shape: string) => `${file}\u0000${shape}`;
