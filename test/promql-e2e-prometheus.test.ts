/**
 * End to end beside a real Prometheus: the conformance data set is remote-written to Prometheus
 * and to a running Signalbox (org "rw"), and sent once more over OTLP into a second org ("otlp":
 * every series a gauge named as the metric, `job` / `instance` as service.name /
 * service.instance.id). Then the corpus runs through the router's /prometheus API for both
 * orgs and every answer must equal Prometheus's (test/helpers/promql-compare.ts). Half the data
 * is flushed to Parquet first, so files and live rows are both read.
 *
 * The full corpus × two orgs is several thousand HTTP queries; by default every 8th query runs
 * (an instant and a range query each), SIGNALBOX_PROMQL_E2E_ALL=1 runs all of them.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { FlightClient } from "../shared/flight/index.ts";
import { staleFlags } from "../shared/series/index.ts";
import type { RawSeries } from "../shared/series/index.ts";
import type { QueryData } from "../shared/query/promql/index.ts";
import { compareOutcomes, type Outcome } from "./helpers/promql-compare.ts";
import { loadPromQLCorpus } from "./helpers/promql-corpus.ts";
import { generatePromQLData } from "./helpers/promql-data.ts";
import { remoteWriteInTimeOrder } from "./helpers/remote-write-encode.ts";
import { startPrometheus, type PrometheusProcess } from "./helpers/prometheus-process.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const data = generatePromQLData();
const MINUTE = 60_000;
const SLICE = 10 * MINUTE;
const everyNth = process.env.SIGNALBOX_PROMQL_E2E_ALL === "1" ? 1 : 8;
const corpus = loadPromQLCorpus().filter((q, i) => !q.differs && i % everyNth === 0);
const INSTANT = data.startMs + 92 * MINUTE + 3_000;
const RANGE = { startMs: data.startMs + 60 * MINUTE, endMs: data.startMs + 120 * MINUTE, stepMs: MINUTE };

let prometheus: PrometheusProcess;
let signalbox: RoleProcess;
let router: string;

/** One OTLP/JSON request per time slice: each series a gauge, stale markers as "no recorded value". */
async function sendOtlp(acceptor: string, series: readonly RawSeries[], org: string): Promise<void> {
  const encoder = new TextEncoder();
  for (let from = data.startMs; from <= data.endMs; from += SLICE) {
    const byResource = new Map<string, { resource: Record<string, string>; metrics: Map<string, unknown[]> }>();
    for (const s of series) {
      const { __name__: name, job = "", instance = "", ...attrs } = s.labels;
      const stale = staleFlags(s.values);
      const key = `${job}\u0000${instance}`;
      let entry = byResource.get(key);
      if (!entry) byResource.set(key, (entry = { resource: { "service.name": job, "service.instance.id": instance }, metrics: new Map() }));
      let points = entry.metrics.get(name!);
      if (!points) entry.metrics.set(name!, (points = []));
      for (let i = 0; i < s.timestampsMs.length; i++) {
        const t = s.timestampsMs[i]!;
        if (t < from || t >= from + SLICE) continue;
        const v = s.values[i]!;
        points.push({
          timeUnixNano: String(BigInt(t) * 1_000_000n),
          asDouble: Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity",
          flags: stale?.[i] ? 1 : 0,
          attributes: Object.entries(attrs).map(([key, value]) => ({ key, value: { stringValue: value } })),
        });
      }
    }
    const resourceMetrics = [...byResource.values()].map((r) => ({
      resource: { attributes: Object.entries(r.resource).filter(([, v]) => v !== "").map(([key, value]) => ({ key, value: { stringValue: value } })) },
      scopeMetrics: [{ scope: { name: "e2e" }, metrics: [...r.metrics].filter(([, p]) => p.length > 0).map(([name, dataPoints]) => ({ name, gauge: { dataPoints } })) }],
    }));
    const response = await fetch(`http://${acceptor}/v1/metrics`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-scope-orgid": org },
      body: encoder.encode(JSON.stringify({ resourceMetrics })),
    });
    if (response.status !== 200) throw new Error(`OTLP write: ${response.status} ${await response.text()}`);
  }
}

beforeAll(async () => {
  prometheus = await startPrometheus();
  signalbox = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: join(tempDir("promql-e2e"), "data"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
  router = signalbox.addresses["router.http"]!;
  const acceptor = signalbox.addresses["acceptor.http"]!;
  const half = data.series.map((s) => {
    const cut = s.timestampsMs.findIndex((t) => t >= data.startMs + 90 * MINUTE);
    return cut < 0 ? [s, null] : [{ ...s, timestampsMs: s.timestampsMs.subarray(0, cut), values: s.values.subarray(0, cut) }, { ...s, timestampsMs: s.timestampsMs.subarray(cut), values: s.values.subarray(cut) }];
  });
  const first = half.map((h) => h[0]!) as RawSeries[];
  const second = half.flatMap((h) => (h[1] ? [h[1]] : [])) as RawSeries[];
  await remoteWriteInTimeOrder(`${prometheus.url}/api/v1/write`, data.series);
  await remoteWriteInTimeOrder(`http://${acceptor}/api/v1/write`, first, SLICE, { "x-scope-orgid": "rw" });
  await sendOtlp(acceptor, first, "otlp");
  // The first half goes to Parquet; the second stays in the writer's live rows.
  await new FlightClient(signalbox.addresses["writer.flight"]!).action("flush", {});
  await remoteWriteInTimeOrder(`http://${acceptor}/api/v1/write`, second, SLICE, { "x-scope-orgid": "rw" });
  await sendOtlp(acceptor, second, "otlp");
}, 240_000);

afterAll(async () => {
  await signalbox?.kill();
  await prometheus?.stop();
});

/**
 * One query; an `unavailable` answer (a role missed its heartbeat on this loaded machine) is
 * asked again, as Grafana's retry would: it says nothing about the answer being compared.
 */
async function ask(base: string, path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await askOnce(base, path, params, headers);
    if (outcome.status === "success" || outcome.errorType !== "unavailable" || attempt === 5) return outcome;
    await Bun.sleep(1000);
  }
}

async function askOnce(base: string, path: string, params: Record<string, string>, headers: Record<string, string>): Promise<Outcome> {
  const response = await fetch(`${base}/api/v1/${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params),
  });
  const body = (await response.json()) as { status: string; data?: QueryData; errorType?: string; error?: string };
  if (body.status === "success") return { status: "success", data: body.data! };
  return { status: "error", errorType: body.errorType!, error: body.error! };
}

describe("the corpus through /prometheus equals Prometheus, for remote write and for OTLP", () => {
  test("every compared query answers alike", async () => {
    const mismatches: string[] = [];
    let compared = 0;
    type Work = { q: (typeof corpus)[number]; path: string; params: Record<string, string> };
    const work = corpus.flatMap((q): Work[] => [
      { q, path: "query", params: { query: q.query, time: String(INSTANT / 1000) } },
      { q, path: "query_range", params: { query: q.query, start: String(RANGE.startMs / 1000), end: String(RANGE.endMs / 1000), step: String(RANGE.stepMs / 1000) } },
    ]);
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const { q, path, params } = work[next++]!;
        const theirs = await ask(prometheus.url, path, params);
        for (const org of ["rw", "otlp"]) {
          const ours = await ask(`http://${router}/prometheus`, path, params, { "x-scope-orgid": org });
          compared++;
          const problem = compareOutcomes(ours, theirs, /^\s*sort(_desc)?\(/.test(q.query), /\b(topk|bottomk)\b/.test(q.query));
          if (problem) mismatches.push(`[${org}] ${path} ${q.query}: ${problem}`);
        }
      }
    };
    await Promise.all([worker(), worker()]);
    expect(compared).toBe(work.length * 2);
    expect(mismatches).toEqual([]);
  }, 600_000);
});
