/**
 * Which files of a number read are served from the decoded samples in memory
 * (file-samples.ts), and the rows of each series such a file gives: the same rows the
 * read's SQL conditions would select (time range, label prefilters, retention), found by
 * binary search in the series' time-ordered rows.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { firstAtOrAfter } from "../../../../shared/series/index.ts";
import type { FamilySamples, FileSamplesCache } from "./file-samples.ts";
import type { FileSeries, NumberIdentity } from "./file-series.ts";

/** The read's row conditions, as they apply to rows held in memory. */
export interface RowConditions {
  /** Rows whose time in ms is within [fromMs, toMs]. */
  fromMs: number;
  toMs: number;
  /** Texts each of which the row's attributes or resource attributes must contain. */
  contains: readonly string[];
  /** Rows below this time (ns) are past retention. */
  notBeforeNs?: bigint;
}

export interface InMemoryRead {
  connection: DuckDBConnection;
  samples: FileSamplesCache;
  names: ReadonlySet<string>;
  numberTypes: readonly string[];
  conditions: RowConditions;
  checkStopped: () => void;
}

/** Per file, its selected families in memory (decoded now when missing and they fit), or null: the file is to be scanned. */
export async function familiesInMemory(read: InMemoryRead, files: readonly string[], maps: readonly FileSeries[]): Promise<(Map<string, FamilySamples> | null)[]> {
  const found = files.map(() => new Map<string, FamilySamples>());
  const missing: number[] = [];
  let missingRows = 0;
  files.forEach((file, k) => {
    const map = maps[k]!;
    let rows = 0;
    map.identities.forEach(({ name }, s) => {
      if (!read.names.has(name)) return;
      const entry = found[k]!.get(name) ?? read.samples.get(file, name, map);
      if (entry) found[k]!.set(name, entry);
      else rows += map.counts[s]!;
    });
    if (rows === 0) return;
    missing.push(k);
    missingRows += rows;
  });
  const decoded = new Set<number>();
  if (missing.length > 0 && read.samples.fits(missingRows)) {
    const filled = await read.samples.fill(read.connection, missing.map((k) => files[k]!), missing.map((k) => maps[k]!), read.names, read.numberTypes, read.checkStopped);
    missing.forEach((k, i) => {
      found[k] = filled[i]!;
      decoded.add(k);
    });
  }
  const skipped = new Set(missing.filter((k) => !decoded.has(k)));
  return found.map((families, k) => (skipped.has(k) || ![...families.values()].every((e) => retentionKnown(e, read.conditions)) ? null : families));
}

/** Whether the rows retention keeps of the entry are known from their times in ms. */
function retentionKnown(entry: FamilySamples, conditions: RowConditions): boolean {
  const notBefore = conditions.notBeforeNs;
  if (notBefore === undefined || BigInt(entry.minMs) * 1_000_000n >= notBefore) return true;
  return notBefore >= 0n && notBefore % 1_000_000n === 0n;
}

/** Whether a series' rows pass the read's label prefilters. */
export function passesPrefilters(identity: NumberIdentity, conditions: RowConditions): boolean {
  return conditions.contains.every((text) => identity.attributes.includes(text) || identity.resourceAttributes.includes(text));
}

/** The first and past-the-last rows of series `s` of the entry that the conditions select. */
export function rowsInRange(entry: Pick<FamilySamples, "offsets" | "times" | "minMs">, s: number, conditions: RowConditions): [number, number] {
  let fromMs = Math.floor(conditions.fromMs);
  const notBefore = conditions.notBeforeNs;
  // An entry whose rows retention cuts into is served only when its bound is a whole ms (retentionKnown).
  if (notBefore !== undefined && BigInt(entry.minMs) * 1_000_000n < notBefore) fromMs = Math.max(fromMs, Number(notBefore / 1_000_000n));
  const from = entry.offsets[s]!;
  const to = entry.offsets[s + 1]!;
  return [firstAtOrAfter(entry.times, fromMs, from, to), firstAtOrAfter(entry.times, Math.floor(conditions.toMs) + 1, from, to)];
}
