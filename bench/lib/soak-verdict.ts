/**
 * The soak's verdict: for each sampled quantity, after the warm-up, its least-squares slope
 * per hour and whether it levels off — the mean of the last third of the samples against
 * the middle third. A quantity that keeps a constant slope grows without bound; one that fills
 * a budget (a cache, DuckDB's buffer pool) flattens.
 */
import type { Sample } from "./soak-sample.ts";

export interface TimedSample {
  /** Seconds since the soak started. */
  t: number;
  values: Sample;
}

export interface Trend {
  name: string;
  first: number;
  last: number;
  max: number;
  slopePerHour: number;
  middleMean: number;
  lastMean: number;
  verdict: "bounded" | "GROWS" | "info";
}

export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function mean(values: number[]): number {
  const xs = values.filter(Number.isFinite);
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * `watched`: the quantities that must stay bounded, each with the absolute growth (last-third
 * mean over middle-third mean) below which it counts as noise. Counters (compactions run,
 * files deleted) are shown for information: they must grow.
 */
export function trends(samples: TimedSample[], warmupSeconds: number, watched: Record<string, number>): Trend[] {
  const steady = samples.filter((s) => s.t >= warmupSeconds);
  if (steady.length < 3) return [];
  const names = Object.keys(steady[steady.length - 1]!.values);
  const third = Math.floor(steady.length / 3);
  const middle = steady.slice(third, 2 * third);
  const lastThird = steady.slice(2 * third);
  return names.map((name) => {
    const series = steady.map((s) => s.values[name] ?? NaN).filter(Number.isFinite);
    const per = slope(steady.filter((s) => Number.isFinite(s.values[name])).map((s) => [s.t / 3600, s.values[name]!]));
    const middleMean = mean(middle.map((s) => s.values[name] ?? NaN));
    const lastMean = mean(lastThird.map((s) => s.values[name] ?? NaN));
    const noise = watched[name];
    // Bounded: the last third is no higher than the middle third, give or take noise (absolute)
    // and a tenth of the middle third's level.
    const verdict = noise === undefined ? "info" : lastMean - middleMean <= noise + 0.1 * Math.abs(middleMean) ? "bounded" : "GROWS";
    return { name, first: series[0] ?? NaN, last: series.at(-1) ?? NaN, max: series.length ? Math.max(...series) : NaN, slopePerHour: per, middleMean, lastMean, verdict };
  });
}

const fmt = (v: number) => (!Number.isFinite(v) ? "-" : Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1));

export function trendTable(rows: Trend[]): string {
  const header = ["quantity", "first", "last", "max", "slope/h", "mid⅓", "last⅓", "verdict"];
  const body = rows.map((r) => [r.name, fmt(r.first), fmt(r.last), fmt(r.max), fmt(r.slopePerHour), fmt(r.middleMean), fmt(r.lastMean), r.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |";
  return [line(header), "|" + widths.map((w, i) => "-".repeat(w + 1) + (i === 0 ? "-" : ":") + "|").join(""), ...body.map(line)].join("\n");
}
