/**
 * rate / increase skip the counter-reset loop of a window without a drop (drops counted once
 * per series): the answers must be bit for bit those of the loop run over every window, as
 * before (kept here as the reference).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";
import { extrapolatedChange } from "./range-functions.ts";
import { evalWindows, type Window } from "./select.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** Prometheus's extrapolated counter change with the reset loop over every window. */
function referenceChange(perSecond: boolean): (w: Window) => number | undefined {
  return (w) => {
    const { timestampsMs: ts, values: vs, from, to } = w;
    const n = to - from;
    if (n < 2) return undefined;
    const first = vs[from]!;
    const last = vs[to - 1]!;
    let result = last - first;
    let prev = 0;
    for (let i = from; i < to; i++) {
      if (vs[i]! < prev) result += prev;
      prev = vs[i]!;
    }
    let durationToStart = (ts[from]! - w.startMs) / 1000;
    const durationToEnd = (w.endMs - ts[to - 1]!) / 1000;
    const sampledInterval = (ts[to - 1]! - ts[from]!) / 1000;
    const averageInterval = sampledInterval / (n - 1);
    if (result > 0 && first >= 0) {
      const durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const threshold = averageInterval * 1.1;
    let extrapolateTo = sampledInterval;
    extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2;
    extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
    let factor = extrapolateTo / sampledInterval;
    if (perSecond) factor /= w.rangeMs / 1000;
    return result * factor;
  };
}

function seededRandom(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** A counter with resets, NaNs, negative zeros and sometimes a negative start. */
function counter(n: number, random: () => number): Float64Array {
  const values = new Float64Array(n);
  let v = random() < 0.2 ? -3 : 0;
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.03) v = random() * 2;
    else if (r < 0.04) v = NaN;
    else if (r < 0.05) v = -0;
    else if (r < 0.06) v = -random();
    else v = (Number.isNaN(v) ? 0 : v) + random() * 10;
    values[i] = v;
  }
  return values;
}

const bits = (values: Float64Array) => [...new Uint32Array(values.buffer)];

describe("extrapolatedChange over windows with and without drops", () => {
  test("equals the loop over every window, bit for bit", () => {
    const random = seededRandom(7);
    const ends = Float64Array.from({ length: 150 }, (_, i) => 300_000 + i * 30_000);
    for (let series = 0; series < 300; series++) {
      const n = 20 + Math.floor(random() * 300);
      const timestampsMs = Float64Array.from({ length: n }, (_, i) => i * 15_000 + Math.floor(random() * 3_000));
      const s = { labels: {}, timestampsMs, values: counter(n, random) };
      for (const perSecond of [true, false]) {
        const got = evalWindows(s, ends, ends, 300_000, extrapolatedChange({ counter: true, perSecond }));
        const expected = evalWindows(s, ends, ends, 300_000, referenceChange(perSecond));
        expect(got === null).toBe(expected === null);
        if (got && expected) {
          expect([...got.present]).toEqual([...expected.present]);
          expect(bits(got.values)).toEqual(bits(expected.values));
        }
      }
    }
  });
});
