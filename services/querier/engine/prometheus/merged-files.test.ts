/**
 * A family merged over files: each series' rows of every file end to end, in file order;
 * not merged when a series' rows go back in time across files or a row holds no sample;
 * worth merging only when most rows lie in the read's range.
 */
import { describe, expect, test } from "bun:test";
import type { FamilySamples } from "./file-samples.ts";
import { numberIdentityKey, type FileSeries, type NumberIdentity } from "./file-series.ts";
import { mergeFamily, NOT_MERGEABLE, worthMerging, type MergedFamily } from "./merged-files.ts";

const identity = (name: string, instance: string): NumberIdentity => ({
  name, unit: "", type: "prometheus", monotonic: false, temporality: 0, attributes: `[{"key":"instance","value":{"stringValue":"${instance}"}}]`, resourceAttributes: "",
});

/** A file holding `series` (identity and its rows' times; values are the times / 1000). */
function file(series: [NumberIdentity, number[]][]): { map: FileSeries; entry: FamilySamples } {
  const identities = series.map(([id]) => id);
  const map: FileSeries = { identities, keys: identities.map(numberIdentityKey), counts: Uint32Array.from(series, ([, t]) => t.length), rowSeries: new Uint16Array(0) };
  const times = Float64Array.from(series.flatMap(([, t]) => t));
  const values = times.map((t) => t / 1000);
  const offsets = new Uint32Array(series.length + 1);
  series.forEach(([, t], s) => (offsets[s + 1] = offsets[s]! + t.length));
  return { map, entry: { map, offsets, times, values, valueWords: new Uint32Array(values.buffer), skips: null, minMs: Math.min(...times), maxMs: Math.max(...times) } };
}

const a = identity("x", "a");
const b = identity("x", "b");
const other = identity("y", "a");

describe("mergeFamily", () => {
  test("each series' rows of every file, in file order, other families left out", () => {
    const f0 = file([[a, [0, 15_000]], [other, [0]], [b, [5_000]]]);
    // The same series in another file: another identity object with the same key.
    const f1 = file([[identity("x", "b"), [60_000]], [identity("x", "a"), [30_000, 45_000]]]);
    const merged = mergeFamily("x", [f0.map, f1.map], [f0.entry, f1.entry]) as MergedFamily;
    expect(merged.identities).toEqual([a, b]);
    expect(merged.identities[0]).toBe(a);
    expect([...merged.offsets]).toEqual([0, 4, 6]);
    expect([...merged.times]).toEqual([0, 15_000, 30_000, 45_000, 5_000, 60_000]);
    expect([...merged.values]).toEqual([0, 15, 30, 45, 5, 60]);
    expect(merged.minMs).toBe(0);
  });

  test("not merged when a series goes back in time across files, or a row holds no sample", () => {
    const f0 = file([[a, [30_000]]]);
    const f1 = file([[a, [15_000]]]);
    expect(mergeFamily("x", [f0.map, f1.map], [f0.entry, f1.entry])).toBe(NOT_MERGEABLE);
    const skipped = file([[a, [0, 15_000]]]);
    skipped.entry.skips = Uint8Array.of(0, 1);
    expect(mergeFamily("x", [skipped.map], [skipped.entry])).toBe(NOT_MERGEABLE);
  });
});

describe("worthMerging", () => {
  const f0 = file([[a, [0, 3_600_000]]]);
  const f1 = file([[a, [3_600_000, 7_200_000]]]);
  test("when most rows lie in the range", () => {
    expect(worthMerging([f0.entry, f1.entry], { fromMs: 0, toMs: 7_200_000, contains: [] })).toBe(true);
    expect(worthMerging([f0.entry, f1.entry], { fromMs: 1_800_000, toMs: 7_200_000, contains: [] })).toBe(true);
    expect(worthMerging([f0.entry, f1.entry], { fromMs: 6_900_000, toMs: 7_200_000, contains: [] })).toBe(false);
  });
});
