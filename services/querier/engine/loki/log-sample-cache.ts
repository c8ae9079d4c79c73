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
import { LRUCache } from "lru-cache";
import type { LogSampleGroup, LogSampleRequest } from "../../../../shared/query/logql/index.ts";
import { registerFileFacts, type FileFactsCache } from "../file-facts.ts";

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

export class LogSampleCache implements FileFactsCache {
  /** Null when the budget is 0 (lru-cache takes no 0 `maxSize`). */
  private readonly entries: LRUCache<string, FileSamples> | null;

  constructor(maxBytes: number) {
    // An entry over the whole budget is not kept (lru-cache refuses it).
    this.entries = maxBytes > 0 ? new LRUCache({ maxSize: maxBytes, sizeCalculation: (samples, key) => entryBytes(key, samples) }) : null;
    if (this.entries !== null) registerFileFacts(this);
  }

  /** Entries of files that left the manifest would hold their place in the budget until evicted. */
  forgetFiles(paths: ReadonlySet<string>): void {
    for (const key of [...(this.entries?.keys() ?? [])]) if (paths.has(fileOfKey(key))) this.entries!.delete(key);
  }

  get enabled(): boolean {
    return this.entries !== null;
  }

  /** Bytes the entries take. */
  get bytes(): number {
    return this.entries?.calculatedSize ?? 0;
  }

  get(file: string, shape: string): FileSamples | undefined {
    return this.entries?.get(entryKey(file, shape));
  }

  set(file: string, shape: string, samples: FileSamples): void {
    this.entries?.set(entryKey(file, shape), samples);
  }
}

function entryBytes(key: string, samples: FileSamples): number {
  return ENTRY_OVERHEAD + key.length * 2 + samples.groups.reduce((n, g) => n + GROUP_OVERHEAD + g.offsetsNs.byteLength + (g.values?.byteLength ?? 0), 0);
}

/** What, besides the file and the time range, decides a file's samples: the request's shape. */
export function sampleShape(request: LogSampleRequest): string {
  const { matchers, lineFilters, groupBy, value, parser, unwrap } = request;
  return JSON.stringify([matchers.map((m) => [m.name, m.op, m.value]), lineFilters ?? [], groupBy, value, parser ?? "", unwrap ?? null]);
}

const entryKey = (file: string, shape: string) => `${file}\u0000${shape}`;
const fileOfKey = (key: string) => key.slice(0, key.indexOf("\u0000"));
