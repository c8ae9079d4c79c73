/**
 * The series of an ordered list of Parquet files numbered across the files: each file
 * series gets the integer slot of its identity (numberIdentityKey), the same in every file
 * of the list. A read over the list (number-series.ts) then joins a series' rows of several
 * files by that integer, instead of hashing and comparing every file series' identity text
 * on every query. Kept for the last few file lists (a dashboard repeats its queries over the
 * same files until the next flush), tied to the files' row maps.
 */
import { LRUCache } from "lru-cache";
import type { FileSeries, NumberIdentity } from "./file-series.ts";

export interface FileSlots {
  /** The row maps of the files, in order: the entry holds while each file's map is the same. */
  maps: readonly FileSeries[];
  /** Slot i's identity: the first met, files in order. */
  identities: NumberIdentity[];
  slotOfKey: Map<string, number>;
  /** Per file, series s's slot. */
  bySeries: Int32Array[];
}

/** File lists kept: a few dashboards' queries over the files of the last flushes. */
const MAX_LISTS = 16;

export class FileSlotsCache {
  private readonly cache = new LRUCache<string, FileSlots>({ max: MAX_LISTS });

  /** The slots of `files` (in order), each with its row map. */
  of(files: readonly string[], maps: readonly FileSeries[]): FileSlots {
    const key = files.join("\n");
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.maps.every((m, k) => m === maps[k])) return cached;
    const slots = fileSlots(maps);
    this.cache.set(key, slots);
    return slots;
  }
}

function fileSlots(maps: readonly FileSeries[]): FileSlots {
  const slotOfKey = new Map<string, number>();
  const identities: NumberIdentity[] = [];
  const bySeries = maps.map((map) => {
    const slots = new Int32Array(map.identities.length);
    map.keys.forEach((key, s) => {
      let slot = slotOfKey.get(key);
      if (slot === undefined) {
        slotOfKey.set(key, (slot = identities.length));
        identities.push(map.identities[s]!);
      }
      slots[s] = slot;
    });
    return slots;
  });
  return { maps, identities, slotOfKey, bySeries };
}
