/**
 * Caches of facts read from Parquet files (footers, log contexts, metric families, series),
 * keyed by the path DuckDB reads. Bounded by entry counts, on a running cluster they would
 * fill with files compacted away or expired long ago, and hold them until the bound: the
 * querier tells them which files left the manifest (once no query can still be reading them),
 * and they forget those.
 */
export interface FileFactsCache {
  forgetFiles(paths: ReadonlySet<string>): void;
}

/** Weak: a cache that is no longer used goes with its owner. */
const caches = new Set<WeakRef<FileFactsCache>>();

export function registerFileFacts(cache: FileFactsCache): void {
  caches.add(new WeakRef(cache));
}

/** Every registered cache forgets these paths now. */
export function forgetFileFacts(paths: readonly string[]): void {
  if (paths.length === 0) return;
  const gone = new Set(paths);
  for (const ref of caches) {
    const cache = ref.deref();
    if (cache === undefined) caches.delete(ref);
    else cache.forgetFiles(gone);
  }
}
