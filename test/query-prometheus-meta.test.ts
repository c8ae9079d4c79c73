/**
 * The Prometheus metadata tickets over Parquet files and live rows, OTLP and remote write
 * data side by side: series, label names and values, metadata, exemplars.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { QueryEngine, type QuerySources } from "../services/querier/engine/index.ts";
import { parseTicket, type TicketInput } from "../shared/query/index.ts";
import { quietLog } from "./helpers/query-engine.ts";
import { tempDir, writeParquet } from "./helpers/query-fixtures.ts";
import { otlpMetricsBatch, remoteWriteBatch } from "./helpers/metrics-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T = 1_700_000_000_000;
const RESOURCE = { "service.name": "checkout", "service.namespace": "shop", "service.instance.id": "pod-1", "host.name": "node-7" };
const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

let engine: QueryEngine;
let sources: QuerySources;
let cleanup: () => void;

beforeAll(async () => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  const otlp = otlpMetricsBatch(RESOURCE, [
    {
      name: "http.server.request.duration", unit: "s", description: "Duration of HTTP server requests.", kind: "histogram",
      points: [0, 15_000].map((d) => ({
        timeMs: T + d, attrs: { "http.request.method": "GET" }, bounds: [0.1, 0.5], counts: [1, 2, 1], sum: 1.2,
        exemplar: { value: 0.3, timeMs: T + d - 1000, traceId: TRACE, spanId: SPAN },
      })),
    },
    { name: "queue.depth", unit: "{item}", kind: "gauge", points: [{ timeMs: T, value: 4 }] },
  ]);
  const rw = remoteWriteBatch(
    [
      { labels: { __name__: "node_cpu_seconds_total", job: "node", instance: "n1:9100", cpu: "0", mode: "idle" }, samples: [{ value: 10, timestampMs: T }, { value: 25, timestampMs: T + 15_000 }] },
      {
        labels: { __name__: "rpc_duration_seconds_bucket", job: "node", le: "+Inf" }, samples: [{ value: 3, timestampMs: T }],
        exemplars: [{ labels: { trace_id: "abc" }, value: 0.7, timestampMs: T - 500 }],
      },
    ],
    [{ type: "counter", family: "node_cpu_seconds_total", help: "Seconds the CPUs spent in each mode.", unit: "seconds" }],
  );
  sources = { files: [await writeParquet(tmp.dir, "metrics", [otlp])], live: [rw] };
  engine = await QueryEngine.open({ log: quietLog() });
});
afterAll(async () => {
  await engine.close();
  cleanup();
});

const run = async (ticket: Record<string, unknown>) =>
  (await engine.execute(parseTicket({ org: "acme", bucket: "default", ...ticket } as TicketInput), sources)).toArray().map((r) => r.toJSON() as Record<string, string>);
const sel = (name: string, ...more: { name: string; op: string; value: string }[]) => [{ name: "__name__", op: "=", value: name }, ...more];

describe("series", () => {
  test("classic histogram series from OTLP, with job and instance, sorted", async () => {
    const rows = await run({ kind: "prom_series", match: [sel("http_server_request_duration_seconds_bucket")] });
    expect(rows.map((r) => JSON.parse(r.labels!))).toEqual(
      ["+Inf", "0.1", "0.5"].map((le) => ({
        __name__: "http_server_request_duration_seconds_bucket", http_request_method: "GET", instance: "pod-1", job: "shop/checkout", le,
      })),
    );
  });

  test("a union of selectors over OTLP and remote write, regex matchers, limit", async () => {
    const match = [sel("node_cpu_seconds_total", { name: "mode", op: "=~", value: "id.*" }), [{ name: "__name__", op: "=~", value: "queue_.*" }]];
    const rows = await run({ kind: "prom_series", match });
    expect(rows.map((r) => JSON.parse(r.labels!).__name__)).toEqual(["node_cpu_seconds_total", "queue_depth"]);
    expect(await run({ kind: "prom_series", match, limit: 1 })).toHaveLength(1);
  });

  test("the OTLP name reaches the untranslated series; the time range bounds the answer", async () => {
    const rows = await run({ kind: "prom_series", match: [sel("http.server.request.duration_count")] });
    expect(rows.map((r) => JSON.parse(r.labels!).__name__)).toEqual(["http.server.request.duration_count"]);
    const later = String(BigInt(T + 60_000) * 1_000_000n);
    expect(await run({ kind: "prom_series", match: [sel("queue_depth")], startNs: later, endNs: later })).toEqual([]);
  });
});

describe("labels", () => {
  test("label names of everything, and of one selector", async () => {
    const all = (await run({ kind: "prom_labels" })).map((r) => r.name);
    expect(all).toEqual(["__name__", "cpu", "host_name", "http_request_method", "instance", "job", "le", "mode"]);
    const queue = (await run({ kind: "prom_labels", match: [sel("queue_depth")] })).map((r) => r.name);
    expect(queue).toEqual(["__name__", "instance", "job"]);
  });

  test("metric names, job values, values under match[]", async () => {
    const names = (await run({ kind: "prom_label_values", name: "__name__" })).map((r) => r.value);
    expect(names).toEqual([
      "http_server_request_duration_seconds_bucket", "http_server_request_duration_seconds_count", "http_server_request_duration_seconds_sum",
      "node_cpu_seconds_total", "queue_depth", "rpc_duration_seconds_bucket", "target_info",
    ]);
    expect((await run({ kind: "prom_label_values", name: "job" })).map((r) => r.value)).toEqual(["node", "shop/checkout"]);
    const le = await run({ kind: "prom_label_values", name: "le", match: [sel("http_server_request_duration_seconds_bucket")] });
    expect(le.map((r) => r.value)).toEqual(["+Inf", "0.1", "0.5"]);
  });

  test("target_info carries the other resource attributes", async () => {
    const rows = await run({ kind: "prom_series", match: [sel("target_info")] });
    expect(rows.map((r) => JSON.parse(r.labels!))).toEqual([{ __name__: "target_info", host_name: "node-7", instance: "pod-1", job: "shop/checkout" }]);
  });
});

describe("metadata and exemplars", () => {
  test("metadata from OTLP families and remote write metadata", async () => {
    const rows = await run({ kind: "prom_metadata" });
    expect(rows).toEqual([
      { metric: "http_server_request_duration_seconds", type: "histogram", help: "Duration of HTTP server requests.", unit: "seconds" },
      { metric: "node_cpu_seconds_total", type: "counter", help: "Seconds the CPUs spent in each mode.", unit: "seconds" },
      { metric: "queue_depth", type: "gauge", help: "", unit: "" },
    ]);
    expect(await run({ kind: "prom_metadata", metric: "queue_depth" })).toHaveLength(1);
  });

  test("a histogram's exemplars land on the bucket they fall in, with trace and span ids", async () => {
    const rows = await run({ kind: "prom_exemplars", match: [[{ name: "__name__", op: "=~", value: ".+_bucket" }]] });
    expect(rows).toHaveLength(2);
    const otlp = rows.find((r) => r.labels!.includes("http_server"))!;
    expect(JSON.parse(otlp.labels!)).toMatchObject({ __name__: "http_server_request_duration_seconds_bucket", le: "0.5" });
    expect(JSON.parse(otlp.exemplars!)).toEqual([
      { labels: { trace_id: TRACE, span_id: SPAN }, value: "0.3", timestamp: (T - 1000) / 1000 },
      { labels: { trace_id: TRACE, span_id: SPAN }, value: "0.3", timestamp: (T + 14_000) / 1000 },
    ]);
    const rw = rows.find((r) => r.labels!.includes("rpc_duration"))!;
    expect(JSON.parse(rw.exemplars!)).toEqual([{ labels: { trace_id: "abc" }, value: "0.7", timestamp: (T - 500) / 1000 }]);
  });
});
