import { expect, test } from "bun:test";
import { MetricsRegistry } from "./registry.ts";

test("renders counters, gauges and histograms in Prometheus text format", () => {
  const registry = new MetricsRegistry();
  const rows = registry.counter("signalbox_ingest_rows_total", "rows accepted");
  rows.inc({ signal: "traces", status: "ok" }, 5);
  rows.inc({ signal: "traces", status: "ok" }, 2);
  registry.gauge("signalbox_live_rows", "rows in the live buffer", () => [[undefined, 42]]);
  const latency = registry.histogram("signalbox_flush_seconds", "flush latency", [0.1, 1]);
  latency.observe(0.05);
  latency.observe(0.5);
  const text = registry.render();
  expect(text).toContain('signalbox_ingest_rows_total{signal="traces",status="ok"} 7');
  expect(text).toContain("# TYPE signalbox_live_rows gauge\nsignalbox_live_rows 42");
  expect(text).toContain('signalbox_flush_seconds_bucket{le="0.1"} 1');
  expect(text).toContain('signalbox_flush_seconds_bucket{le="+Inf"} 2');
  expect(text).toContain("signalbox_flush_seconds_count 2");
});

test("the same name returns the same metric", () => {
  const registry = new MetricsRegistry();
  expect(registry.counter("a_total", "a")).toBe(registry.counter("a_total", "a"));
});
