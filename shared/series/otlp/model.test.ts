import { describe, expect, test } from "bun:test";
import { staleFlags } from "../samples.ts";
import { formatBound, metricFamily, prometheusLabelName, prometheusMetricName, SeriesCollector, type StoredMetricRow } from "./index.ts";

describe("metric names (Prometheus's OTLP translation)", () => {
  test.each([
    ["http.server.request.duration", "s", "other", "http_server_request_duration_seconds"],
    ["system.memory.usage", "By", "gauge", "system_memory_usage_bytes"],
    ["requests.count", "1", "counter", "requests_count_total"],
    ["cpu.utilization", "1", "gauge", "cpu_utilization_ratio"],
    ["net.io", "By/s", "gauge", "net_io_bytes_per_second"],
    ["http.requests", "{request}", "counter", "http_requests_total"],
    ["queue.size", "{item}/s", "gauge", "queue_size_per_second"],
    ["latency_seconds", "s", "other", "latency_seconds"],
    ["total.requests", "", "counter", "requests_total"],
    ["2xx.responses", "", "gauge", "_2xx_responses"],
    ["foo__bar", "ms", "other", "foo_bar_milliseconds"],
  ] as const)("%s [%s] %s → %s", (name, unit, kind, expected) => {
    expect(prometheusMetricName(name, unit, kind)).toBe(expected);
  });

  test("label names", () => {
    expect(prometheusLabelName("http.method")).toBe("http_method");
    expect(prometheusLabelName("a..b__c")).toBe("a_b_c");
    expect(prometheusLabelName("123abc")).toBe("key_123abc");
    expect(prometheusLabelName("__reserved__")).toBe("__reserved__");
    expect(prometheusLabelName("...")).toBe("");
  });

  test("bounds as Go's 'f' format", () => {
    expect(formatBound(0.005)).toBe("0.005");
    expect(formatBound(1e-7)).toBe("0.0000001");
    expect(formatBound(1.5e21)).toBe("1500000000000000000000");
    expect(formatBound(10)).toBe("10");
    expect(formatBound(Infinity)).toBe("+Inf");
  });

  test("families by type and temporality", () => {
    const base = { name: "x.y", unit: "s", monotonic: true };
    expect(metricFamily({ ...base, type: "sum", temporality: 2 })).toMatchObject({ name: "x_y_seconds_total", type: "counter", otlpName: "x.y" });
    expect(metricFamily({ ...base, type: "sum", temporality: 1 })).toMatchObject({ name: "x_y_seconds", type: "gauge" });
    expect(metricFamily({ ...base, type: "sum", temporality: 0 }).refused).toContain("temporality");
    expect(metricFamily({ ...base, type: "exponential_histogram", temporality: 2 }).refused).toContain("exponential");
    expect(metricFamily({ ...base, type: "prometheus", temporality: 0 })).toMatchObject({ name: "x.y", shape: "remote_write" });
  });
});

const resource = JSON.stringify([
  { key: "service.name", value: { stringValue: "api" } },
  { key: "service.namespace", value: { stringValue: "shop" } },
  { key: "service.instance.id", value: { stringValue: "pod-1" } },
  { key: "host.name", value: { stringValue: "h1" } },
]);

function row(over: Partial<StoredMetricRow>): StoredMetricRow {
  return {
    name: "http.server.request.duration", unit: "s", type: "histogram", monotonic: false, temporality: 2,
    timeMs: 1000, value: null, count: 6, sum: 1.5, flags: 0,
    distribution: JSON.stringify({ bucketCounts: ["1", "2", "3"], explicitBounds: [0.1, 0.5] }),
    attributes: JSON.stringify([{ key: "http.request.method", value: { stringValue: "GET" } }, { key: "http.response.status_code", value: { intValue: "200" } }]),
    resourceAttributes: resource,
    ...over,
  };
}

describe("series from rows", () => {
  test("a histogram point is classic buckets, sum and count with job and instance", () => {
    const c = new SeriesCollector([{ name: "__name__", op: "=~", value: "http_server_request_duration_seconds_.*" }]);
    c.add(row({}));
    const series = c.finish().map((s) => ({ labels: s.labels, values: [...s.values] }));
    const common = { http_request_method: "GET", http_response_status_code: "200", job: "shop/api", instance: "pod-1" };
    expect(series).toContainEqual({ labels: { ...common, le: "0.1", __name__: "http_server_request_duration_seconds_bucket" }, values: [1] });
    expect(series).toContainEqual({ labels: { ...common, le: "0.5", __name__: "http_server_request_duration_seconds_bucket" }, values: [3] });
    expect(series).toContainEqual({ labels: { ...common, le: "+Inf", __name__: "http_server_request_duration_seconds_bucket" }, values: [6] });
    expect(series).toContainEqual({ labels: { ...common, __name__: "http_server_request_duration_seconds_sum" }, values: [1.5] });
    expect(series).toContainEqual({ labels: { ...common, __name__: "http_server_request_duration_seconds_count" }, values: [6] });
    expect(series).toHaveLength(5);
  });

  test("the OTLP name selects the untranslated series; label matchers filter", () => {
    const c = new SeriesCollector([
      { name: "__name__", op: "=", value: "http.server.request.duration_count" },
      { name: "job", op: "=", value: "shop/api" },
    ]);
    c.add(row({}));
    c.add(row({ resourceAttributes: "[]" }));
    const series = c.finish();
    expect(series.map((s) => s.labels.__name__)).toEqual(["http.server.request.duration_count"]);
  });

  test("summaries, stale markers, time order and target_info", () => {
    const c = new SeriesCollector([{ name: "__name__", op: "=~", value: "rpc_latency.*|target_info|up" }]);
    const summary = { name: "rpc.latency", unit: "", type: "summary", count: 4, sum: 2, distribution: JSON.stringify({ quantileValues: [{ quantile: 0.5, value: 0.25 }] }), attributes: "[]" };
    c.add(row({ ...summary, timeMs: 2000 }));
    c.add(row({ ...summary, timeMs: 1000, flags: 1 }));
    c.add(row({ name: "up", unit: "", type: "prometheus", value: 1, attributes: JSON.stringify([{ key: "job", value: { stringValue: "node" } }]), resourceAttributes: "[]" }));
    c.addTargetInfo(resource, 1000);
    const byName = new Map(c.finish().map((s) => [`${s.labels.__name__}${s.labels.quantile ?? ""}`, s]));
    const q = byName.get("rpc_latency0.5")!;
    expect([...q.timestampsMs]).toEqual([1000, 2000]);
    expect([...staleFlags(q.values)!]).toEqual([1, 0]);
    expect(q.values[1]).toBe(0.25);
    expect(byName.get("up")!.labels).toEqual({ job: "node", __name__: "up" });
    expect(byName.get("target_info")!.labels).toEqual({ host_name: "h1", job: "shop/api", instance: "pod-1", __name__: "target_info" });
  });
});
