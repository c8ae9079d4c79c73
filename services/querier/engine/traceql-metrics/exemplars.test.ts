/**
 * Exemplars read by location (exemplars.ts): each is the slowest span of its series and
 * interval, with the ids of that very span, whether it sits in a Parquet file or in the live rows.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { createLogger } from "../../../../shared/log/index.ts";
import { parseTicket, TRACEQL_METRICS_COLUMNS, traceqlMetrics } from "../../../../shared/query/index.ts";
import { sid, spansBatch, tempDir, tid, writeParquet, type SpanSpec } from "../../../../test/helpers/query-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../../test/helpers/timeouts.ts";
import { QueryEngine } from "../index.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_740_787_200_000_000_000n;
const SEC = 1_000_000_000n;
const MS = 1_000_000n;
let engine: QueryEngine;
const tmp = tempDir("sbx-metrics-exemplars-");
let files: string[] = [];
let live: SpanSpec[] = [];

// Minute m, service s: spans of 1..5 ms, the slowest (5 ms) in the file for even minutes and live for odd ones.
const span = (m: number, s: string, d: number): SpanSpec => ({
  traceId: tid(m * 100 + d + (s === "a" ? 0 : 50)), spanId: sid(m * 100 + d + (s === "a" ? 0 : 50)), name: "op",
  startNs: T0 + BigInt(m) * 60n * SEC + BigInt(d) * SEC, durationNs: BigInt(d) * MS, service: s,
});

beforeAll(async () => {
  engine = await QueryEngine.open({ log: createLogger({ level: "error", sink: () => {} }) });
  const inFiles: SpanSpec[] = [];
  for (let m = 0; m < 4; m++) {
    for (const s of ["a", "b"]) {
      for (let d = 1; d <= 5; d++) ((d === 5) === (m % 2 === 1) ? live : inFiles).push(span(m, s, d));
    }
  }
  files = [await writeParquet(tmp.dir, "traces", [spansBatch(inFiles)])];
});

afterAll(async () => {
  await engine.close();
  tmp.cleanup();
});

test("each exemplar is its series' slowest span of the interval, from files and live rows", async () => {
  const window = traceqlMetrics.rangeWindow(T0, T0 + 4n * 60n * SEC, 60n * SEC);
  const ticket = parseTicket({
    kind: "traceql_metrics", org: "o", bucket: "b", query: "{ } | max_over_time(duration) by (resource.service.name)",
    startNs: String(window.startNs), endNs: String(window.endNs), stepNs: String(window.stepNs), exemplars: 100,
  });
  const table = await engine.execute(ticket, { files, live: [spansBatch(live)] });
  const response = JSON.parse(table.getChild(TRACEQL_METRICS_COLUMNS.response)!.get(0) as string) as traceqlMetrics.QueryRangeResponse;
  expect(response.series).toHaveLength(2);
  const text = (labels: traceqlMetrics.KeyValueJson[], key: string) => (labels.find((l) => l.key === key)!.value as { stringValue: string }).stringValue;
  for (const series of response.series) {
    const service = text(series.labels, "resource.service.name");
    const got = series.exemplars!.map((e) => ({
      traceId: text(e.labels, "trace:id"),
      spanId: text(e.labels, "span:id"),
      value: e.value,
      timestampMs: e.timestampMs,
    }));
    const slowest = [0, 1, 2, 3].map((m) => span(m, service, 5));
    expect(got).toEqual(slowest.map((s) => ({ traceId: s.traceId, spanId: s.spanId, value: 0.005, timestampMs: String(s.startNs / MS) })));
  }
});
