/** Latency samples → percentiles, and the small formatting helpers the query benchmark prints with. */
import { loadavg } from "node:os";

export interface Latencies {
  samples: number[];
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarize(samples: number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  return { samples, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

/**
 * Runs `run(i)` `warmup` times untimed, then `iterations` times timed (ms). With `recover`, a
 * failed run is reported to it and repeated (up to 3 times; the failed attempt is not timed).
 */
export async function measure(
  iterations: number,
  warmup: number,
  run: (i: number) => Promise<unknown>,
  recover?: (err: unknown) => Promise<void>,
): Promise<Latencies> {
  const attempt = async (i: number): Promise<number> => {
    for (let tries = 0; ; tries++) {
      const t0 = performance.now();
      try {
        await run(i);
        return performance.now() - t0;
      } catch (err) {
        if (!recover || tries >= 3) throw err;
        await recover(err);
      }
    }
  };
  for (let i = 0; i < warmup; i++) await attempt(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) samples.push(await attempt(warmup + i));
  return summarize(samples);
}

export const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(0)) : "-");
export const load1 = () => loadavg()[0]!.toFixed(1);
export const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
export const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);
