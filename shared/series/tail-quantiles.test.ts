import { expect, setDefaultTimeout, test } from "bun:test";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";
import { tailQuantiles } from "./tail-quantiles.ts";
import { windowQuantileOf } from "./window-quantile.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** A small deterministic generator: the cases repeat run to run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Sliding windows of `range` samples-in-time moved by `step`, as range aggregations cut them. */
function windows(times: Float64Array, count: number, step: number, range: number): { from: Float64Array; to: Float64Array } {
  const from = new Float64Array(count);
  const to = new Float64Array(count);
  let f = 0;
  let t = 0;
  for (let i = 0; i < count; i++) {
    const end = (i + 1) * step;
    while (f < times.length && times[f]! <= end - range) f++;
    if (t < f) t = f;
    while (t < times.length && times[t]! <= end) t++;
    from[i] = f;
    to[i] = t;
  }
  return { from, to };
}

function check(q: Float64Array, values: Float64Array, from: ArrayLike<number>, to: ArrayLike<number>): void {
  const out = new Float64Array(from.length).fill(12345);
  tailQuantiles(q, values, from, to, out);
  for (let i = 0; i < from.length; i++) {
    const expected = to[i]! > from[i]! ? windowQuantileOf(q[i]!, values, from[i]!, to[i]!) : 12345;
    if (!Object.is(out[i], expected)) throw new Error(`window ${i} [${from[i]}, ${to[i]}) q ${q[i]}: ${out[i]} != ${expected}`);
  }
}

test("the tails give windowQuantileOf's answer to the bit", () => {
  const rnd = prng(11);
  const pools: Array<() => number> = [
    () => rnd() * 1000,
    () => Math.floor(rnd() * 5),
    () => (rnd() < 0.001 ? NaN : Math.floor(rnd() * 3000) / 1000),
    () => (rnd() < 0.001 ? -0 : rnd() < 0.5 ? 0 : rnd() - 0.5),
    () => (rnd() < 0.02 ? Infinity : rnd() < 0.02 ? -Infinity : rnd() * 1e9),
  ];
  const qs = [0.99, 0.999, 0.95, 0.01, 0.001, 0, 1, 0.5, 0.9, NaN, -0.5, 1.5];
  for (const pool of pools) {
    for (const [samples, count, step, range] of [[20000, 120, 100, 500], [3000, 50, 70, 1000], [500, 40, 50, 120], [50, 30, 40, 200], [0, 5, 10, 20]] as const) {
      const times = Float64Array.from({ length: samples }, () => Math.floor(rnd() * count * step)).sort();
      const values = Float64Array.from({ length: samples }, pool);
      const { from, to } = windows(times, count, step, range);
      for (const phi of qs) check(new Float64Array(count).fill(phi), values, from, to);
      // A φ per step.
      check(Float64Array.from({ length: count }, () => qs[Math.floor(rnd() * qs.length)]!), values, from, to);
    }
  }
});

test("windows out of order and empty ones", () => {
  const rnd = prng(5);
  const values = Float64Array.from({ length: 4000 }, () => rnd() * 100);
  const q = new Float64Array(6).fill(0.99);
  check(q, values, [0, 1000, 0, 2000, 2000, 3000], [2000, 3000, 4000, 2000, 4000, 4000]);
  check(q, values, [0, 0, 100, 100, 3999], [0, 1000, 1200, 4000, 4000]);
});
