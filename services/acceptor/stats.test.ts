import { expect, test } from "bun:test";
import { MetricsRegistry } from "../../shared/metrics/index.ts";
import { AcceptorStats } from "./stats.ts";

test("counts by signal and outcome, and mirrors into Prometheus", async () => {
  const registry = new MetricsRegistry();
  const stats = new AcceptorStats(registry);
  stats.decoded("traces", 1000, 2);
  stats.stored("traces", 8);
  stats.request("traces", "http", "partial");
  stats.request("logs", "grpc", "unavailable");

  const snapshot = stats.snapshot();
  expect(snapshot.traces).toEqual({
    requests: { partial: 1 },
    acceptedRows: 8,
    rejectedRows: 2,
    bytes: 1000,
    batches: 1,
    gzipRequests: 0,
  });
  expect(snapshot.logs.requests).toEqual({ unavailable: 1 });

  const text = await registry.render();
  expect(text).toContain('signalbox_acceptor_requests_total{outcome="partial",signal="traces",transport="http"} 1');
  expect(text).toContain('signalbox_acceptor_rows_total{signal="traces",status="accepted"} 8');
  expect(text).toContain('signalbox_acceptor_rows_total{signal="traces",status="rejected"} 2');
  expect(text).toContain('signalbox_acceptor_bytes_total{signal="traces"} 1000');
});

test("a snapshot is a copy", () => {
  const stats = new AcceptorStats();
  const before = stats.snapshot();
  stats.request("metrics", "http", "ok");
  expect(before.metrics.requests.ok).toBeUndefined();
  expect(stats.snapshot().metrics.requests.ok).toBe(1);
});
