/**
 * A deterministic metrics data set for PromQL conformance tests and benches: the series of
 * PromLabs' demo service (the names Prometheus's compliance tester queries), scraped every 15 s
 * with a little timestamp jitter from three instances for several hours — counters with resets,
 * gauges, classic histograms with `le` buckets, NaN and infinite values, a target that goes down
 * (stale markers on all its series, then a gap) and a metric that comes and goes.
 */
import { prng } from "../../bench/lib/prng.ts";
import { writeStaleMarker } from "../../shared/series/samples.ts";
import type { RawSeries } from "../../shared/series/types.ts";

export interface PromQLDataSet {
  series: RawSeries[];
  startMs: number;
  endMs: number;
  scrapeIntervalMs: number;
}

export interface PromQLDataOptions {
  /** First scrape (ms); the default is a fixed instant so runs are repeatable. */
  startMs?: number;
  hours?: number;
  seed?: number;
}

export const INSTANCES = ["demo.promlabs.com:10000", "demo.promlabs.com:10001", "demo.promlabs.com:10002"];
const JOB = "demo";
const BUCKETS = ["0.0002", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"];

interface Builder {
  labels: Record<string, string>;
  ts: number[];
  vs: number[];
  stale: number[];
}

export function generatePromQLData(options: PromQLDataOptions = {}): PromQLDataSet {
  const startMs = options.startMs ?? Date.UTC(2026, 0, 15, 6, 0, 0);
  const hours = options.hours ?? 3;
  const interval = 15_000;
  const scrapes = Math.floor((hours * 3600_000) / interval);
  const rand = prng(options.seed ?? 17);
  const builders = new Map<string, Builder>();
  const add = (labels: Record<string, string>, t: number, v: number | "stale") => {
    const key = JSON.stringify(Object.entries(labels).sort());
    let b = builders.get(key);
    if (!b) builders.set(key, (b = { labels, ts: [], vs: [], stale: [] }));
    if (v === "stale") {
      b.stale.push(b.ts.length);
      v = 0;
    }
    b.ts.push(t);
    b.vs.push(v);
  };

  // The last instance is down for a quarter of an hour in the middle: stale markers, then nothing.
  const downFrom = Math.floor(scrapes * 0.5);
  const downTo = downFrom + 60;
  const state = new Map<string, number>();
  const histograms = new Map<string, number[]>();
  const walk = (key: string, start: number, step: number, min = -Infinity) => {
    const v = Math.max(min, (state.get(key) ?? start) + (rand() - 0.5) * step);
    state.set(key, v);
    return v;
  };

  for (let i = 0; i < scrapes; i++) {
    for (const [n, instance] of INSTANCES.entries()) {
      const t = startMs + i * interval + Math.floor(rand() * 400) + n * 1000;
      const base = { instance, job: JOB };
      const down = n === 2 && i >= downFrom && i < downTo;
      const emit = (name: string, extra: Record<string, string>, v: number) => {
        if (down && i > downFrom) return;
        add({ __name__: name, ...base, ...extra }, t, down ? "stale" : v);
      };

      emit("demo_num_cpus", {}, [4, 8, 6][n]);
      for (const type of ["buffers", "cached", "free", "used"]) {
        emit("demo_memory_usage_bytes", { type }, Math.round(walk(`mem${n}${type}`, 2e9 + n * 1e8, 5e7, 1e6)));
      }
      for (const mode of ["idle", "system", "user"]) {
        const key = `cpu${n}${mode}`;
        let v = (state.get(key) ?? 1000 * (n + 1)) + rand() * (mode === "idle" ? 14 : 3);
        if (rand() < 0.004) v = rand() * 5; // process restart: the counter starts again
        state.set(key, v);
        emit("demo_cpu_usage_seconds_total", { mode }, v);
      }
      emit("demo_disk_usage_bytes", {}, 5e10 + n * 1e9 + i * 1e5 * (n + 1) + Math.round(rand() * 1e6));
      emit("demo_disk_total_bytes", {}, 1e11);
      const lastBatch = startMs / 1000 + Math.floor((i * 15) / 300) * 300 - n * 17;
      emit("demo_batch_last_success_timestamp_seconds", {}, lastBatch);
      for (let shard = 0; shard < 10; shard++) {
        const key = `items${n}${shard}`;
        let v = (state.get(key) ?? 0) + Math.floor(rand() * 20);
        if (rand() < 0.002) v = 0;
        state.set(key, v);
        emit("demo_items_shipped_total", { shard: String(shard) }, v);
      }
      // A gauge with the values arithmetic trips over.
      const r = rand();
      emit("demo_edge_values", {}, r < 0.05 ? NaN : r < 0.08 ? Infinity : r < 0.1 ? -Infinity : r < 0.2 ? 0 : (r - 0.5) * 100);

      // A metric that is there for ten minutes, then gone (stale marker) for five.
      const phase = i % 60;
      if (phase < 40) add({ __name__: "demo_intermittent_metric", ...base }, t, rand() * 10);
      else if (phase === 40) add({ __name__: "demo_intermittent_metric", ...base }, t, "stale");

      for (const method of ["GET", "POST"]) {
        for (const path of ["/api/foo", "/api/bar"]) {
          const key = `h${n}${method}${path}`;
          const cumulative = histograms.get(key) ?? BUCKETS.map(() => 0);
          const observations = Math.floor(rand() * 30);
          let sum = state.get(`${key}sum`) ?? 0;
          for (let o = 0; o < observations; o++) {
            const latency = Math.exp(rand() * 7 - 8.5) * (method === "POST" ? 3 : 1);
            sum += latency;
            BUCKETS.forEach((le, b) => {
              if (le === "+Inf" || latency <= Number(le)) cumulative[b]++;
            });
          }
          histograms.set(key, cumulative);
          state.set(`${key}sum`, sum);
          const extra = { method, path, status: "200" };
          BUCKETS.forEach((le, b) => emit("demo_api_request_duration_seconds_bucket", { ...extra, le }, cumulative[b]));
          emit("demo_api_request_duration_seconds_sum", extra, sum);
          emit("demo_api_request_duration_seconds_count", extra, cumulative[BUCKETS.length - 1]);
        }
      }
    }
  }

  const series: RawSeries[] = [];
  for (const b of builders.values()) {
    const values = Float64Array.from(b.vs);
    for (const i of b.stale) writeStaleMarker(values, i);
    series.push({ labels: b.labels, timestampsMs: Float64Array.from(b.ts), values });
  }
  return { series, startMs, endMs: startMs + scrapes * interval, scrapeIntervalMs: interval };
}
