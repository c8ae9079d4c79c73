/**
 * Where a search reads. Candidate spans are found newest file first: a search wants the
 * newest matches, and files hold time slices, so the newest file or two usually hold enough
 * candidates, and a file whose newest span is older than the k-th candidate cannot hold a
 * newer one (its footer says so: file-newest-start.ts). The candidate traces are then
 * evaluated — all their spans, every source — over a view of only the files that may hold
 * them, and of a large file only the rows that may (trace-id-index.ts), plus the live rows:
 * a trace_id IN (...) over every file would read every file's trace_id column (random ids:
 * no row group is skipped by its statistics).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ReadFiles } from "./search-envelope.ts";
import { newestStarts, type NewestStart } from "./file-newest-start.ts";
import { filesViewSelect } from "./source-view.ts";
import { quoteIdent } from "../../../shared/duckdb/index.ts";
import type { TraceIdIndex } from "./trace-id-index.ts";

export interface SearchScope {
  /** Every source of the search (a view made by createFilesView with `dedicated`). */
  view: string;
  /**
   * A relation (SQL to put after FROM: a quoted view name or an aliased subquery) with every
   * span of `traceIds` that `view` has (and maybe others).
   */
  narrowTo(traceIds: readonly string[]): Promise<string>;
  /**
   * The newest `k` rows of `candidateSql` over every source, newest first, as
   * `[trace_id, start_time_unix_nano]`: exactly what `candidateSql(view)` would return (up to
   * the order of equal starts). `candidateSql(from)` must select those two columns from the
   * relation `from` (SQL to put after FROM), newest first, LIMIT k.
   */
  newestCandidates(candidateSql: (view: string) => string, k: number): Promise<Array<[string, bigint]>>;
  /** Bytes the search read so far: the Parquet files its views opened, plus the live rows (search-envelope.ts). */
  inspectedBytes(): number;
  /** Records that `view` itself (every source) was read. */
  readEverySource(): void;
}

/** How many more files each step of the newest-first walk reads than the one before. */
const WALK_GROWTH = 4;

/** `live`: the live rows' table expression `view` was made with (null: none). */
export function searchScope(
  connection: DuckDBConnection,
  view: string,
  live: string | null,
  files: readonly string[],
  index: TraceIdIndex,
  /** Retention: rows before it are not part of any view (sources.ts). */
  notBeforeNs?: bigint,
  /** Arrow bytes of the live rows (`live`). */
  liveBytes = 0,
): SearchScope {
  // The narrower sources are subqueries, not views: a view costs a statement of its own
  // (binding every file's scan), and each is read once or twice per search step.
  const narrowed = quoteIdent(`${view}_traces`);
  const step = quoteIdent(`${view}_newest`);
  const read = new ReadFiles(liveBytes);
  return {
    view,
    inspectedBytes: () => read.bytes(),
    readEverySource: () => read.add(files),
    async narrowTo(traceIds) {
      const { files: held, rows } = await index.locate(connection, files, traceIds);
      read.add(held.length === files.length || (held.length === 0 && live === null) ? files : held);
      // Nothing to leave out: the whole view is as narrow. No source at all (no candidates,
      // no live rows): a view needs one, and over no ids the whole view reads nothing.
      if ((held.length === files.length && rows.size === 0) || (held.length === 0 && live === null)) return quoteIdent(view);
      return `(${await filesViewSelect(connection, "traces", live, held, { dedicated: true, notBeforeNs, rowRanges: rows })}) AS ${narrowed}`;
    },
    async newestCandidates(candidateSql, k) {
      const newest = await newestStarts(connection, files);
      const order = newestFirst(files, newest);
      let found: Array<[string, bigint]> = [];
      let next = 0;
      for (let size = 1; ; size *= WALK_GROWTH) {
        const group = order.slice(next, next + size);
        read.add(group);
        // The live rows are the newest: they go with the first step.
        const select = await filesViewSelect(connection, "traces", next === 0 ? live : null, group, { dedicated: true, notBeforeNs });
        next += group.length;
        const rows = (await connection.runAndReadAll(candidateSql(`(${select}) AS ${step}`))).getRows() as Array<[string, bigint]>;
        found = [...found, ...rows].sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0)).slice(0, k);
        if (next >= order.length) return found;
        // Every span of the files left starts at or before their newest: none can outrank the k-th.
        const bound = newest.get(order[next]!);
        if (found.length === k && bound !== undefined && (bound === null || bound <= found[k - 1]![1])) return found;
      }
    },
  };
}

/** Files without statistics first (they could hold anything), then by newest start, empty files last. */
function newestFirst(files: readonly string[], newest: Map<string, NewestStart>): string[] {
  const rank = (f: string) => {
    const n = newest.get(f);
    return n === undefined ? Infinity : n === null ? -Infinity : n;
  };
  return [...new Set(files)].sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    return x === y ? (a < b ? 1 : a > b ? -1 : 0) : x < y ? 1 : -1;
  });
}
