/**
 * The shared trace fixture of the query tests: four traces with distinct shapes, split over
 * two Parquet files and live rows (one trace straddles both).
 */
import type { RecordBatch } from "apache-arrow";
import { sid, spansBatch, tid, type SpanSpec } from "./query-fixtures.ts";

export const T0 = 1_700_000_000_000_000_000n;
export const MS = 1_000_000n;
export const SEC = 1_000_000_000n;

/** Kinds: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. Status: 0 unset, 1 ok, 2 error. */
export const TRACE1: SpanSpec[] = [
  {
    traceId: tid(1), spanId: sid(11), name: "GET /api", kind: 2, statusCode: 1, startNs: T0, durationNs: 200n * MS,
    service: "frontend", attributes: { "http.method": "GET", "http.status_code": 200 },
  },
  {
    traceId: tid(1), spanId: sid(12), parentSpanId: sid(11), name: "db query", kind: 3, statusCode: 2,
    startNs: T0 + 10n * MS, durationNs: 150n * MS, service: "db",
    attributes: { "db.system": "postgres", retries: 3, ratio: 0.5, cached: false },
  },
];

export const TRACE2: SpanSpec[] = [
  {
    traceId: tid(2), spanId: sid(21), name: "POST /api", kind: 2, statusCode: 2, startNs: T0 + 10n * SEC,
    durationNs: 1500n * MS, service: "frontend", attributes: { "http.method": "POST", "http.status_code": 500 },
  },
  {
    traceId: tid(2), spanId: sid(22), parentSpanId: sid(21), name: "auth", kind: 1, startNs: T0 + 10n * SEC + 5n * MS,
    durationNs: 50n * MS, service: "auth", attributes: { "user.id": "u-1" },
  },
];

/** Live part of trace 2 (not yet flushed). */
export const TRACE2_LIVE: SpanSpec[] = [
  {
    traceId: tid(2), spanId: sid(23), parentSpanId: sid(21), name: "queue send", kind: 4,
    startNs: T0 + 10n * SEC + 100n * MS, durationNs: 5n * MS, service: "frontend", attributes: { "messaging.system": "kafka" },
  },
];

/** No root span received. */
export const TRACE3: SpanSpec[] = [
  {
    traceId: tid(3), spanId: sid(31), parentSpanId: sid(30), name: "orphan", kind: 5, startNs: T0 + 20n * SEC,
    durationNs: 2n * SEC, service: "worker", attributes: { job: "x" }, resourceAttributes: { "deployment.environment": "prod" },
  },
];

/** Root plus five children: exercises spss. Entirely live. */
export const TRACE4: SpanSpec[] = [
  {
    traceId: tid(4), spanId: sid(41), name: "GET /health", kind: 2, startNs: T0 + 30n * SEC, durationNs: 1n * MS,
    service: "frontend", attributes: { "http.method": "GET", "http.status_code": 200 },
  },
  ...[1, 2, 3, 4, 5].map(
    (i): SpanSpec => ({
      traceId: tid(4), spanId: sid(41 + i), parentSpanId: sid(41), name: "work", kind: 1,
      startNs: T0 + 30n * SEC + BigInt(i) * 100_000n, durationNs: 10n * MS, service: "frontend",
    }),
  ),
];

export interface TraceFixture {
  fileBatches: RecordBatch[][];
  live: RecordBatch[];
}

export function traceFixture(): TraceFixture {
  return {
    fileBatches: [[spansBatch([...TRACE1, ...TRACE2])], [spansBatch(TRACE3)]],
    live: [spansBatch(TRACE2_LIVE), spansBatch(TRACE4)],
  };
}
