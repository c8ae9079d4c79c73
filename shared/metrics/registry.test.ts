import { expect, test } from "bun:test";
import { MetricsRegistry } from "./registry.ts";

test("renders counters, gauges and histograms in Prometheus text format, label pairs in name order", async () => {
  const registry = new MetricsRegistry();
  const rows = registry.counter("signalbox_ingest_rows_total", "rows accepted", ["signal", "status"]);
  rows.inc({ status: "ok", signal: "traces" }, 5);
  rows.inc({ signal: "traces", status: "ok" }, 2);
  registry.gauge("signalbox_live_rows", "rows in the live buffer", [], () => [[undefined, 42]]);
  const latency = registry.histogram("signalbox_flush_seconds", "flush latency", [], [0.1, 1]);
  latency.observe(0.05);
  latency.observe(0.5);
  const text = await registry.render();
  expect(text).toContain("# HELP signalbox_ingest_rows_total rows accepted\n# TYPE signalbox_ingest_rows_total counter");
  expect(text).toContain('signalbox_ingest_rows_total{signal="traces",status="ok"} 7');
  expect(text).toContain("# TYPE signalbox_live_rows gauge\nsignalbox_live_rows 42");
  expect(text).toContain('signalbox_flush_seconds_bucket{le="0.1"} 1');
  expect(text).toContain('signalbox_flush_seconds_bucket{le="+Inf"} 2');
  expect(text).toContain("signalbox_flush_seconds_count 2");
  expect(await rows.get({ signal: "traces", status: "ok" })).toBe(7);
  expect(await rows.get({ signal: "logs", status: "ok" })).toBe(0);
  expect(registry.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
});

test("a sampled gauge shows what the sample says at each scrape, series that went away included", async () => {
  const registry = new MetricsRegistry();
  let roles: Array<[string, number]> = [["writer", 2], ["querier", 1]];
  registry.gauge("signalbox_live", "live instances by role", ["role"], () => roles.map(([role, n]) => [{ role }, n]));
  expect(await registry.render()).toContain('signalbox_live{role="writer"} 2\nsignalbox_live{role="querier"} 1');
  roles = [["writer", 3]];
  const text = await registry.render();
  expect(text).toContain('signalbox_live{role="writer"} 3');
  expect(text).not.toContain('role="querier"');
});

test("process and runtime series every Prometheus target has, in every registry of the process", async () => {
  const first = new MetricsRegistry();
  const second = new MetricsRegistry();
  second.counter("signalbox_only_here_total", "x").inc();
  for (const text of [await first.render(), await second.render()]) {
    for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds", "process_open_fds", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes"]) {
      expect(text).toContain(`\n${name} `);
    }
  }
  expect(await first.render()).not.toContain("signalbox_only_here_total");
});

test("the same name returns the same metric; a label not declared is refused", () => {
  const registry = new MetricsRegistry();
  expect(registry.counter("a_total", "a")).toBe(registry.counter("a_total", "a"));
  expect(() => registry.counter("b_total", "b", ["x"]).inc({ y: "1" })).toThrow();
});
