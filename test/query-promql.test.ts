/**
 * The promql ticket in the querier's engine: the evaluator over Parquet + live rows, the same
 * counter written once by remote write and once over OTLP giving the same answers, the sample
 * limit and bad queries.
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
const STEPS = Array.from({ length: 21 }, (_, i) => T + i * 15_000);
/** A counter with a reset in the middle. */
const value = (i: number) => (i < 12 ? i * 10 : (i - 12) * 10 + 3);

let engine: QueryEngine;
let limited: QueryEngine;
let sources: QuerySources;
let cleanup: () => void;

beforeAll(async () => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  // OTLP: `requests` {unit 1, monotonic cumulative} → requests_total, job "web".
  const otlp = otlpMetricsBatch({ "service.name": "web", "service.instance.id": "w1" }, [
    { name: "requests", kind: "counter", points: STEPS.map((t, i) => ({ timeMs: t, value: value(i), attrs: { path: "/a" } })) },
  ]);
  const rw = remoteWriteBatch([
    {
      labels: { __name__: "requests_total", job: "rw", instance: "w1", path: "/a" },
      samples: [...STEPS.map((t, i) => ({ value: value(i), timestampMs: t })), { value: "stale" as const, timestampMs: T + 21 * 15_000 }],
    },
  ]);
  sources = { files: [await writeParquet(tmp.dir, "metrics", [otlp])], live: [rw] };
  engine = await QueryEngine.open({ log: quietLog() });
  limited = await QueryEngine.open({ log: quietLog(), maxSamples: 10 });
});
afterAll(async () => {
  await engine.close();
  await limited.close();
  cleanup();
});

async function promql(ticket: Partial<TicketInput> & { query: string }, on = engine) {
  const table = await on.execute(parseTicket({ kind: "promql", org: "acme", bucket: "default", ...ticket } as TicketInput), sources);
  const row = table.toArray()[0]!.toJSON() as { result_type: string; result: string; error_type: string; error: string };
  return { ...row, result: (row.result ? JSON.parse(row.result) : undefined) as any };
}

describe("promql", () => {
  test("remote write and OTLP samples answer alike in one query", async () => {
    const answer = await promql({ query: "sum by (job) (increase(requests_total[2m]))", timeMs: T + 300_000 });
    expect(answer.result_type).toBe("vector");
    const byJob = Object.fromEntries(answer.result.map((r: { metric: { job: string }; value: [number, string] }) => [r.metric.job, r.value]));
    expect(Object.keys(byJob).sort()).toEqual(["rw", "web"]);
    expect(byJob.rw).toEqual(byJob.web);
    expect(byJob.rw[0]).toBe((T + 300_000) / 1000);
  });

  test("range query: the reset is handled, the stale marker ends the remote write series", async () => {
    const answer = await promql({ query: 'requests_total{job="rw"}', range: { startMs: T + 270_000, endMs: T + 360_000, stepMs: 30_000 } });
    expect(answer.result_type).toBe("matrix");
    expect(answer.result).toHaveLength(1);
    // After the stale marker at T+315 s nothing is returned, although the lookback would reach back.
    expect(answer.result[0].values.map((v: [number, string]) => v[0] * 1000 - T)).toEqual([270_000, 300_000]);
    const rate = await promql({ query: 'resets(requests_total{job="web"}[10m])', timeMs: T + 300_000 });
    expect(rate.result[0].value[1]).toBe("1");
  });

  test("over query.max_samples → execution error; a bad query is refused before it runs", async () => {
    const answer = await promql({ query: "requests_total", range: { startMs: T, endMs: T + 300_000, stepMs: 15_000 } }, limited);
    expect(answer.error_type).toBe("execution");
    expect(answer.error).toContain("too many samples");
    expect(() => parseTicket({ kind: "promql", org: "a", bucket: "b", query: "sum(rate(x[5m])", timeMs: 0 })).toThrow(/parse error/);
  });
});
