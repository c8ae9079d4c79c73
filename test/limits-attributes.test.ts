/**
 * Attribute limits as an OTLP client meets them: a span, log record or data point with more
 * attributes than limits.max_attributes_per_record, or a value larger than
 * limits.max_attribute_value_bytes, is refused — the request still answers 200, its OTLP
 * partial success counts the refused records and names the limit — and the rest are stored.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { MetricsRegistry } from "../shared/metrics/index.ts";
import { exportRequestType, exportResponseType, otlpJsonToProtobuf } from "../shared/otlp/index.ts";
import { startTestAcceptor, type TestAcceptor } from "./helpers/acceptor-start.ts";
import { grpcExport } from "./helpers/acceptor-wire.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const MAX_ATTRIBUTES = 3;
const MAX_VALUE = 100;

let t: TestAcceptor;
const metrics = new MetricsRegistry();
beforeAll(async () => {
  t = await startTestAcceptor(
    { limits: { overrides: { strict: { max_attributes_per_record: MAX_ATTRIBUTES, max_attribute_value_bytes: MAX_VALUE } } } },
    { metrics },
  );
});
afterAll(() => t.stop());

const attrs = (n: number, valueBytes = 4) =>
  Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { stringValue: "v".repeat(valueBytes) } }));
const hex = (n: number, fill: string) => fill.repeat(n * 2);
const NOW = String(BigInt(Date.now()) * 1_000_000n);

const span = (name: string, attributes: unknown[], id: string) => ({
  traceId: hex(16, "a"), spanId: hex(8, id), name, startTimeUnixNano: NOW, endTimeUnixNano: NOW, attributes,
});
const traces = {
  resourceSpans: [
    {
      // Resource attributes do not count against the per-record limits.
      resource: { attributes: attrs(10) },
      scopeSpans: [
        {
          spans: [
            span("fine", attrs(MAX_ATTRIBUTES, MAX_VALUE - 10), "1"),
            span("too-many", attrs(MAX_ATTRIBUTES + 1), "2"),
            span("too-long", attrs(1, MAX_VALUE + 1), "3"),
          ],
        },
      ],
    },
  ],
};
const logs = {
  resourceLogs: [
    {
      scopeLogs: [
        {
          logRecords: [
            { timeUnixNano: NOW, body: { stringValue: "fine" }, attributes: attrs(MAX_ATTRIBUTES) },
            { timeUnixNano: NOW, body: { stringValue: "too-many" }, attributes: attrs(MAX_ATTRIBUTES + 2) },
          ],
        },
      ],
    },
  ],
};
const metricsDoc = {
  resourceMetrics: [
    {
      scopeMetrics: [
        {
          metrics: [
            {
              name: "requests",
              gauge: {
                dataPoints: [
                  { timeUnixNano: NOW, asDouble: 1, attributes: attrs(1) },
                  { timeUnixNano: NOW, asDouble: 2, attributes: [{ key: "big", value: { arrayValue: { values: attrs(5, 40).map((a) => a.value) } } }] },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

async function post(signal: string, doc: unknown, org: string) {
  const response = await fetch(`${t.httpUrl}/v1/${signal}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-scope-orgid": org, "x-signalbox-bucket": `${signal}-${org}` },
    body: JSON.stringify(doc),
  });
  return { status: response.status, body: (await response.json()) as { partialSuccess?: Record<string, string> } };
}

test("spans: one over the count, one over the value size are refused and reported; the rest stored", async () => {
  const { status, body } = await post("traces", traces, "strict");
  expect(status).toBe(200);
  expect(body.partialSuccess?.rejectedSpans).toBe("2");
  expect(body.partialSuccess?.errorMessage).toContain("limits.max_attributes_per_record");
  expect(body.partialSuccess?.errorMessage).toContain("limits.max_attribute_value_bytes");
  expect(t.sink.rows("traces", "traces-strict").map((r) => r.name)).toEqual(["fine"]);
});

test("log records and data points (an array value counts whole)", async () => {
  const logged = await post("logs", logs, "strict");
  expect([logged.status, logged.body.partialSuccess?.rejectedLogRecords]).toEqual([200, "1"]);
  expect(t.sink.rowCount("logs", "logs-strict")).toBe(1);
  const measured = await post("metrics", metricsDoc, "strict");
  expect([measured.status, measured.body.partialSuccess?.rejectedDataPoints]).toEqual([200, "1"]);
  expect(measured.body.partialSuccess?.errorMessage).toContain("limits.max_attribute_value_bytes");
  expect(t.sink.rowCount("metrics", "metrics-strict")).toBe(1);
});

test("over gRPC the same: OK with partial_success", async () => {
  const body = otlpJsonToProtobuf(exportRequestType("traces"), traces);
  const outcome = await grpcExport(t.grpcAddress, "traces", body, { "x-scope-orgid": "strict" });
  expect(outcome.code).toBe(GrpcStatus.OK);
  const response = exportResponseType("traces").toObject(exportResponseType("traces").decode(outcome.response!), { longs: Number });
  expect(response.partial_success.rejected_spans).toBe(2);
});

test("another org, on the defaults, keeps every record; refusals are counted by org and limit", async () => {
  const { status, body } = await post("traces", traces, "relaxed");
  expect([status, body.partialSuccess]).toEqual([200, undefined]);
  expect(t.sink.rowCount("traces", "traces-relaxed")).toBe(3);
  const text = (await metrics.render());
  expect(text).toContain('signalbox_limit_hits_total{limit="max_attributes_per_record",org="strict"} 3');
  expect(text).toContain('signalbox_limit_hits_total{limit="max_attribute_value_bytes",org="strict"} 3');
  expect(text).not.toContain('org="relaxed"');
});
