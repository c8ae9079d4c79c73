/**
 * Putting one series' samples back in time order after a read that may yield them in runs
 * (several files, files newest first) or woven together (DuckDB's threads scanning row
 * groups side by side). The order itself is the series engine's (shared/series/time-order.ts).
 */
import { timeOrder } from "../../../../shared/series/index.ts";

/** The samples sorted by time (stable), when they are not already. */
export function inTimeOrder(times: Float64Array, values: Float64Array): { times: Float64Array; values: Float64Array } {
  const n = times.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = times[i - 1]! <= times[i]!;
  if (sorted) return { times, values };
  const order = timeOrder(times);
  const outTimes = new Float64Array(n);
  const outValues = new Float64Array(n);
  // Values are copied as their bits (two words each), so stale markers survive.
  const from = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const to = new Uint32Array(outValues.buffer);
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    outTimes[i] = times[j]!;
    to[2 * i] = from[2 * j]!;
    to[2 * i + 1] = from[2 * j + 1]!;
  }
  return { times: outTimes, values: outValues };
}
