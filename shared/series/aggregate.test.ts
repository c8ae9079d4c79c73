/**
 * sum, min, max, count and group fold each member over every step at once: the answers must
 * be bit for bit those of reducing every step over its members in order (the reference here).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";
import { aggregate, type Reducer } from "./aggregate.ts";
import type { StepSeries } from "./grid.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

function reference(reducer: Reducer, members: StepSeries[], step: number): number | undefined {
  let seen = 0;
  let acc = 0;
  for (const m of members) {
    if (!m.present[step]) continue;
    const v = m.values[step]!;
    seen++;
    if (reducer === "sum") acc = seen === 1 ? v : acc + v;
    if (reducer === "min" && (seen === 1 || acc > v || Number.isNaN(acc))) acc = v;
    if (reducer === "max" && (seen === 1 || acc < v || Number.isNaN(acc))) acc = v;
  }
  if (seen === 0) return undefined;
  return reducer === "count" ? seen : reducer === "group" ? 1 : acc;
}

function seededRandom(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe("folded aggregations", () => {
  test("equal the step-by-step reduction, bit for bit", () => {
    const random = seededRandom(11);
    const count = 40;
    const specials = [NaN, -0, 0, Infinity, -Infinity, 1e308, -1e-300];
    const vector: StepSeries[] = Array.from({ length: 60 }, (_, i) => {
      const values = Float64Array.from({ length: count }, () => (random() < 0.1 ? specials[Math.floor(random() * specials.length)]! : (random() - 0.5) * 1e6));
      const present = Uint8Array.from({ length: count }, () => (random() < 0.8 ? 1 : 0));
      return { labels: { job: `j${i % 4}`, i: String(i) }, values, present };
    });
    // Group 3 has no value at step 0, and one series has none at all.
    for (const s of vector) if (s.labels.job === "j3") s.present[0] = 0;
    vector[5]!.present.fill(0);
    const byJob = (labels: Record<string, string>) => ({ job: labels.job! });
    for (const reducer of ["sum", "min", "max", "count", "group"] as const) {
      const got = aggregate(vector, count, byJob, reducer);
      const groups = ["j0", "j1", "j2", "j3"].map((job) => vector.filter((s) => s.labels.job === job));
      expect(got.map((s) => s.labels.job)).toEqual(["j0", "j1", "j2", "j3"]);
      got.forEach((series, g) => {
        for (let step = 0; step < count; step++) {
          const want = reference(reducer, groups[g]!, step);
          expect(series.present[step]).toBe(want === undefined ? 0 : 1);
          if (want !== undefined) expect(Object.is(series.values[step], want)).toBe(true);
        }
      });
    }
  });
});
