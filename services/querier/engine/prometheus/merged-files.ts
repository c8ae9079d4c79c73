/**
 * One metric family's decoded samples over an ordered list of Parquet files, each series'
 * rows of every file laid end to end: a selector over the same files (a dashboard refreshed
 * between two flushes) cuts each series' range out by binary search and hands the evaluator
 * views of these arrays, instead of copying every sample of the range out of the per-file
 * entries (file-samples.ts) on each query. Built from those entries once, kept in the same
 * cache and budget (`query.promql_sample_cache`), keyed by family and file list, and tied to
 * the files' row maps.
 *
 * Built only where the views are exactly what the per-file read gives: every series' rows in
 * time order across the files (so no read would reorder them) and no row without a sample.
 * Otherwise the list is remembered as not mergeable and read file by file.
 */
import type { SeriesCollector } from "../../../../shared/series/otlp/index.ts";
import type { FamilySamples } from "./file-samples.ts";
import type { FileSeries, NumberIdentity } from "./file-series.ts";
import { passesPrefilters, rowsInRange, type RowConditions } from "./in-memory-files.ts";

export interface MergedFamily {
  /** The row maps of the files, in order: the entry holds while each file's map is the same. */
  maps: readonly FileSeries[];
  /** Series in the order a read of the files meets them (file by file, series by series). */
  identities: NumberIdentity[];
  /** Series i's rows are [offsets[i], offsets[i + 1]) of the arrays below, in time order. */
  offsets: Uint32Array;
  times: Float64Array;
  /** Values, stale markers as their bits. */
  values: Float64Array;
  minMs: number;
}

/** Rows a block must have for one TypedArray.set per array to beat the element loop. */
const BLOCK_COPY_ROWS = 256;

/** A file list whose rows are not in time order across files, or hold rows without a sample. */
export const NOT_MERGEABLE = "not mergeable";

/** Family `name` of the files (in order, each with its row map and decoded entry) merged, or NOT_MERGEABLE. */
export function mergeFamily(name: string, maps: readonly FileSeries[], entries: readonly FamilySamples[]): MergedFamily | typeof NOT_MERGEABLE {
  if (entries.some((e) => e.skips !== null)) return NOT_MERGEABLE;
  const slotOfKey = new Map<string, number>();
  const identities: NumberIdentity[] = [];
  const counts: number[] = [];
  // Per file, each of its series' slot (-1: another family).
  const slotsByFile = maps.map((map, k) =>
    map.identities.map((identity, s) => {
      if (identity.name !== name) return -1;
      let slot = slotOfKey.get(map.keys[s]!);
      if (slot === undefined) {
        slotOfKey.set(map.keys[s]!, (slot = identities.length));
        identities.push(identity);
        counts.push(0);
      }
      counts[slot]! += entries[k]!.offsets[s + 1]! - entries[k]!.offsets[s]!;
      return slot;
    }),
  );
  const offsets = new Uint32Array(identities.length + 1);
  for (let i = 0; i < identities.length; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
  const total = offsets[identities.length]!;
  const times = new Float64Array(total);
  const values = new Float64Array(total);
  const words = new Uint32Array(values.buffer);
  const filled = offsets.slice(0, identities.length);
  let minMs = Infinity;
  entries.forEach((entry, k) => {
    minMs = Math.min(minMs, entry.minMs);
    slotsByFile[k]!.forEach((slot, s) => {
      if (slot < 0) return;
      const from = entry.offsets[s]!;
      const to = entry.offsets[s + 1]!;
      const at = filled[slot]!;
      // Values as their words, so stale markers keep their bits; a short block element by
      // element, as many short TypedArray.set copies cost far more than the loop.
      if (to - from >= BLOCK_COPY_ROWS) {
        times.set(entry.times.subarray(from, to), at);
        words.set(entry.valueWords.subarray(2 * from, 2 * to), 2 * at);
      } else {
        const source = entry.valueWords;
        for (let i = from, j = at; i < to; i++, j++) {
          times[j] = entry.times[i]!;
          words[2 * j] = source[2 * i]!;
          words[2 * j + 1] = source[2 * i + 1]!;
        }
      }
      filled[slot] = at + (to - from);
    });
  });
  for (let i = 0; i < identities.length; i++) {
    for (let r = offsets[i]! + 1; r < offsets[i + 1]!; r++) if (!(times[r - 1]! <= times[r]!)) return NOT_MERGEABLE;
  }
  return { maps, identities, offsets, times, values, minMs };
}

/**
 * Whether a read of [fromMs, toMs] over these entries is worth merging them for: most of
 * their rows lie in the range (judged by each file's time span), so the merge copies little
 * more than the read would copy anyway, and a repeat copies nothing.
 */
export function worthMerging(entries: readonly FamilySamples[], conditions: RowConditions): boolean {
  let rows = 0;
  let inRange = 0;
  for (const entry of entries) {
    const n = entry.times.length;
    rows += n;
    if (n === 0) continue;
    const span = entry.maxMs - entry.minMs;
    const overlap = Math.min(conditions.toMs, entry.maxMs) - Math.max(conditions.fromMs, entry.minMs);
    inRange += span <= 0 ? (overlap >= 0 ? n : 0) : n * Math.min(1, Math.max(0, overlap / span));
  }
  return inRange * 2 >= rows;
}

/** Each series of the merged family the read's conditions select, as views of its rows. */
export function addMergedSeries(merged: MergedFamily, conditions: RowConditions, collector: SeriesCollector): void {
  for (let i = 0; i < merged.identities.length; i++) {
    const identity = merged.identities[i]!;
    if (!passesPrefilters(identity, conditions)) continue;
    const [from, to] = rowsInRange(merged, i, conditions);
    if (to === from) continue;
    collector.addNumberSeries(identity, merged.times.subarray(from, to), merged.values.subarray(from, to));
  }
}

export function mergedBytes(merged: MergedFamily): number {
  return Math.max(1, merged.times.byteLength + merged.values.byteLength + merged.offsets.byteLength);
}
