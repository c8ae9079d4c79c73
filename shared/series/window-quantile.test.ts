import { expect, test } from "bun:test";
import { quantileOf } from "./stats.ts";
import { windowQuantileOf } from "./window-quantile.ts";

/** A small deterministic generator: the cases repeat run to run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test("selection gives quantileOf's answer to the bit", () => {
  const rnd = prng(7);
  const pools: Array<() => number> = [
    () => rnd() * 1000,
    () => Math.floor(rnd() * 5),
    () => (rnd() < 0.1 ? NaN : Math.floor(rnd() * 3000) / 1000),
    () => (rnd() < 0.05 ? -0 : rnd() < 0.5 ? 0 : rnd() - 0.5),
    () => (rnd() < 0.02 ? Infinity : rnd() < 0.02 ? -Infinity : rnd() * 1e9),
  ];
  const qs = [0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1, -0.5, 1.5, NaN];
  for (const pool of pools) {
    for (const n of [1, 2, 3, 10, 700, 2500]) {
      const values = Float64Array.from({ length: n + 7 }, pool);
      for (const q of qs) {
        const from = 3;
        const to = 3 + n;
        const expected = quantileOf(q, Array.from(values.subarray(from, to)));
        expect(Object.is(windowQuantileOf(q, values, from, to), expected)).toBe(true);
      }
    }
  }
});

test("an empty window has no quantile", () => {
  expect(windowQuantileOf(0.5, new Float64Array(3), 1, 1)).toBeNaN();
});
