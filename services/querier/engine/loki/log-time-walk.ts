/**
 * How a select cut at `limit` walks its range (log-source.ts): a log query wants the newest
 * lines (the oldest, forward), so the range is read in time windows from that end, each
 * window a query of its own over only the files (and live rows) whose matching rows reach
 * into it, until the windows hold `limit` entries. Windows are half-open and disjoint, so the
 * entries of one all come before those of the next: their answers are simply appended.
 *
 * The first window is sized from what the context listing knows (log-contexts.ts: each
 * file's rows per context and their time span, rows taken as spread evenly) to hold a few
 * times the entries wanted; each next window is WINDOW_GROWTH times wider. A skewed guess
 * costs another window, never a wrong answer. Without a window the scan would read every
 * row group of the range: files are sorted by service then time, so within a service the
 * newest rows are the last row groups, which a top-N finds only after reading the others.
 */
import type { RowContext, TimeSpan } from "./log-contexts.ts";

/** How much wider each window is than the one before. */
const WINDOW_GROWTH = 4n;

/** Where matching rows are: a file, or the live rows (path null), with their span over the matching contexts. */
export interface WalkSource {
  path: string | null;
  span: TimeSpan;
}

/** The sources holding rows of `matching` in [startNs, endNs). */
export function walkSources(
  spans: ReadonlyMap<string, ReadonlyMap<bigint, TimeSpan>>,
  liveSpans: ReadonlyMap<bigint, TimeSpan>,
  matching: readonly RowContext[],
  startNs: bigint,
  endNs: bigint,
): WalkSource[] {
  const out: WalkSource[] = [];
  const add = (path: string | null, byHash: ReadonlyMap<bigint, TimeSpan>) => {
    let span: TimeSpan | undefined;
    for (const c of matching) {
      const s = byHash.get(c.hash);
      if (s === undefined || s.maxNs < startNs || s.minNs >= endNs) continue;
      const rows = s.rows * overlapFraction(s, startNs, endNs);
      span = span === undefined ? { ...s, rows } : { minNs: min(s.minNs, span.minNs), maxNs: max(s.maxNs, span.maxNs), rows: span.rows + rows };
    }
    if (span !== undefined) out.push({ path, span });
  };
  for (const [path, byHash] of spans) add(path, byHash);
  add(null, liveSpans);
  return out;
}

/** The sources whose rows reach into [lo, hi). */
export function sourcesIn(sources: readonly WalkSource[], lo: bigint, hi: bigint): WalkSource[] {
  return sources.filter((s) => s.span.maxNs >= lo && s.span.minNs < hi);
}

/**
 * The windows over [startNs, endNs) from the end `direction` reads first, the first one wide
 * enough for about `wanted` of the sources' rows. The last window reaches the range's far end.
 */
export function* timeWindows(sources: readonly WalkSource[], startNs: bigint, endNs: bigint, direction: "forward" | "backward", wanted: number): Generator<[bigint, bigint]> {
  const total = sources.reduce((n, s) => n + s.span.rows, 0);
  const range = endNs - startNs;
  let width = total <= wanted ? range : BigInt(Math.ceil((Number(range) * wanted) / total));
  if (width < 1n) width = 1n;
  if (direction === "backward") {
    for (let hi = endNs; hi > startNs; width *= WINDOW_GROWTH) {
      const lo = hi - width > startNs ? hi - width : startNs;
      yield [lo, hi];
      hi = lo;
    }
  } else {
    for (let lo = startNs; lo < endNs; width *= WINDOW_GROWTH) {
      const hi = lo + width < endNs ? lo + width : endNs;
      yield [lo, hi];
      lo = hi;
    }
  }
}

/** The share of `span`'s rows inside [startNs, endNs), taking them as spread evenly. */
function overlapFraction(span: TimeSpan, startNs: bigint, endNs: bigint): number {
  const lo = max(span.minNs, startNs);
  const hi = min(span.maxNs + 1n, endNs);
  const width = span.maxNs + 1n - span.minNs;
  return hi <= lo ? 0 : Number(hi - lo) / Number(width);
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
