/**
 * Metric shapes beyond the reference example: summaries, int sums with exemplars, metric
 * metadata, negative exponential buckets, optional histogram fields, data point flags.
 */
import { expect, test, setDefaultTimeout } from "bun:test";
import { decodeExport, exportRequestType, otlpJsonToProtobuf } from "../shared/otlp/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const doc = {
  resourceMetrics: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "db" } }], droppedAttributesCount: 2 },
    schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
    scopeMetrics: [{
      scope: { name: "m", version: "2" },
      schemaUrl: "https://opentelemetry.io/schemas/1.25.0",
      metrics: [
        {
          name: "requests", unit: "{request}",
          metadata: [{ key: "prometheus.type", value: { stringValue: "counter" } }],
          sum: {
            aggregationTemporality: "AGGREGATION_TEMPORALITY_CUMULATIVE", isMonotonic: true,
            dataPoints: [{
              startTimeUnixNano: "1700000000000000001", timeUnixNano: "1700000000123456789", asInt: "9007199254740993",
              exemplars: [{
                filteredAttributes: [{ key: "user", value: { stringValue: "u1" } }], timeUnixNano: "1700000000100000000",
                asDouble: 1.5, spanId: "EEE19B7EC3C1B174", traceId: "5B8EFFF798038103D269B633813FC60C",
              }],
            }],
          },
        },
        {
          name: "latency", summary: { dataPoints: [{
            timeUnixNano: "5", count: "10", sum: 2.5, flags: 1,
            quantileValues: [{ quantile: 0.5, value: 0.2 }, { quantile: 0.99, value: "Infinity" }],
          }] },
        },
        { name: "sizes", histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: "6", count: "0" }] } },
        {
          name: "exp", exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{
            timeUnixNano: "7", count: "4", scale: -2, zeroCount: "0",
            negative: { offset: -3, bucketCounts: ["1", "3"] },
          }] },
        },
      ],
    }],
  }],
};

test("summary, exemplars, metadata, optional fields", () => {
  const fromJson = decodeExport("metrics", new TextEncoder().encode(JSON.stringify(doc)), "json", "m1");
  const fromProtobuf = decodeExport("metrics", otlpJsonToProtobuf(exportRequestType("metrics"), doc), "protobuf", "m1");
  const rows = fromJson.batch!.toArray().map((r) => r.toJSON());
  expect(fromProtobuf.batch!.toArray().map((r) => r.toJSON())).toEqual(rows);
  expect(rows.length).toBe(4);
  const [sum, summary, histogram, exp] = rows;

  expect(sum).toMatchObject({
    metric_type: "sum", metric_unit: "{request}", aggregation_temporality: 2, is_monotonic: true,
    value_int: 9007199254740993n, value_double: null, count: null,
    start_time_unix_nano: 1700000000000000001n, time_unix_nano: 1700000000123456789n,
    service_name: "db", resource_dropped_attributes_count: 2,
    resource_schema_url: "https://opentelemetry.io/schemas/1.26.0", scope_schema_url: "https://opentelemetry.io/schemas/1.25.0",
  });
  expect(JSON.parse(sum.metric_metadata)).toEqual([{ key: "prometheus.type", value: { stringValue: "counter" } }]);
  expect(JSON.parse(sum.exemplars)).toEqual([{
    filteredAttributes: [{ key: "user", value: { stringValue: "u1" } }], timeUnixNano: "1700000000100000000",
    asDouble: 1.5, spanId: "eee19b7ec3c1b174", traceId: "5b8efff798038103d269b633813fc60c",
  }]);

  expect(summary).toMatchObject({ metric_type: "summary", count: 10n, sum: 2.5, min: null, max: null, flags: 1n, aggregation_temporality: 0 });
  expect(JSON.parse(summary.distribution)).toEqual({ quantileValues: [{ quantile: 0.5, value: 0.2 }, { quantile: 0.99, value: "Infinity" }] });

  // proto3 `optional` sum / min / max absent → null; count present even when 0
  expect(histogram).toMatchObject({ metric_type: "histogram", count: 0n, sum: null, min: null, max: null, aggregation_temporality: 2 });
  expect(JSON.parse(histogram.distribution)).toEqual({ bucketCounts: [], explicitBounds: [] });

  expect(JSON.parse(exp.distribution)).toEqual({
    scale: -2, zeroCount: "0", zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: [] }, negative: { offset: -3, bucketCounts: ["1", "3"] },
  });
});
