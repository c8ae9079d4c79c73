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
  return (await measureInTurns(iterations, warmup, { only: { run, recover } })).only;
}

/**
 * `measure` for several ways of running the same thing, taken in turns (one run of each per
 * iteration), so that each sees the same machine: a load that comes and goes would otherwise
 * fall on whichever was being timed at that moment.
 */
export async function measureInTurns<K extends string>(
  iterations: number,
  warmup: number,
  ways: Record<K, { run: (i: number) => Promise<unknown>; recover?: (err: unknown) => Promise<void> }>,
): Promise<Record<K, Latencies>> {
  const names = Object.keys(ways) as K[];
  const samples = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < warmup + iterations; i++) {
    for (const k of names) {
      const { run, recover } = ways[k];
      const took = await timed(() => run(i), recover);
      if (i >= warmup) samples[k].push(took);
    }
  }
  return Object.fromEntries(names.map((k) => [k, summarize(samples[k])])) as Record<K, Latencies>;
}

/** One run, in ms; with `recover`, a failed run is reported to it and repeated (up to 3 times, untimed). */
async function timed(run: () => Promise<unknown>, recover?: (err: unknown) => Promise<void>): Promise<number> {
  for (let tries = 0; ; tries++) {
    const t0 = performance.now();
    try {
      await run();
      return performance.now() - t0;
    } catch (err) {
      if (!recover || tries >= 3) throw err;
      await recover(err);
    }
  }
}

export const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(0)) : "-");
export const load1 = () => loadavg()[0]!.toFixed(1);
export const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
export const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);
