/**
 * Where a search reads. Candidate spans are found over every source (the view), but the
 * candidate traces are evaluated — all their spans, every source — over a view of only the
 * files that may hold them (trace-id-index.ts) plus the live rows: the newest traces sit in
 * the newest file or two, while a trace_id IN (...) over every file reads every file's
 * trace_id column (random ids: no row group is skipped by its statistics).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { createFilesView, liveTableOf } from "./sources.ts";
import type { TraceIdIndex } from "./trace-id-index.ts";

export interface SearchScope {
  /** Every source of the search (a view made by createSourceView with `dedicated` and `locate`). */
  view: string;
  /** A view with every span of `traceIds` that `view` has (and maybe others). */
  narrowTo(traceIds: readonly string[]): Promise<string>;
}

export function searchScope(connection: DuckDBConnection, view: string, files: readonly string[], index: TraceIdIndex): SearchScope {
  const narrowed = `${view}_traces`;
  return {
    view,
    async narrowTo(traceIds) {
      const held = await index.filesHolding(connection, files, traceIds);
      // Nothing to leave out: the whole view is as narrow.
      if (held.length === files.length) return view;
      await createFilesView(connection, "traces", narrowed, liveTableOf(view), held, { dedicated: true, locate: true });
      return narrowed;
    },
  };
}
