/**
 * Side by side with a real Prometheus (Debian's 2.42): the same samples go to both (remote write
 * into Prometheus, memory for Signalbox's engine), then every query of the corpus runs on both,
 * instant and range, and the answers must be equal — same series and labels, values within
 * 1e-9 relative (1e-12 absolute near zero), the same error class where both refuse a query.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { MemorySeriesSource } from "../shared/series/matchers.ts";
import { evaluateInstant, evaluateRange, PromQLError, type QueryData } from "../shared/query/promql/index.ts";
import { type CorpusQuery, loadPromQLCorpus } from "./helpers/promql-corpus.ts";
import { generatePromQLData } from "./helpers/promql-data.ts";
import { type PrometheusProcess, startPrometheus } from "./helpers/prometheus-process.ts";
import { remoteWriteInTimeOrder } from "./helpers/remote-write-encode.ts";
import { compareOutcomes, type Outcome } from "./helpers/promql-compare.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const data = generatePromQLData();
const source = new MemorySeriesSource(data.series);
const corpus = loadPromQLCorpus();
const MINUTE = 60_000;

/** Evaluation points: one instant while a target is down, one near the end; two range grids. */
const INSTANTS = [data.startMs + 92 * MINUTE + 3_000, data.endMs - 20 * MINUTE + 500];
const RANGES = [
  { startMs: data.startMs + 60 * MINUTE, endMs: data.startMs + 120 * MINUTE, stepMs: MINUTE },
  { startMs: data.startMs + 85 * MINUTE + 13_000, endMs: data.startMs + 110 * MINUTE, stepMs: 37_000 },
];

let prometheus: PrometheusProcess;

beforeAll(async () => {
  prometheus = await startPrometheus();
  await remoteWriteInTimeOrder(`${prometheus.url}/api/v1/write`, data.series);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
});

async function askPrometheus(path: string, params: Record<string, string>): Promise<Outcome> {
  const response = await fetch(`${prometheus.url}/api/v1/${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
  const body = (await response.json()) as { status: string; data?: QueryData; errorType?: string; error?: string };
  if (body.status === "success") return { status: "success", data: body.data! };
  return { status: "error", errorType: body.errorType!, error: body.error! };
}

async function askEngine(run: () => Promise<QueryData>): Promise<Outcome> {
  try {
    return { status: "success", data: await run() };
  } catch (e) {
    if (e instanceof PromQLError) return { status: "error", errorType: e.errorType, error: e.message };
    throw e;
  }
}

interface Check {
  label: string;
  prometheus: () => Promise<Outcome>;
  engine: () => Promise<Outcome>;
}

function checksOf(q: CorpusQuery): Check[] {
  const checks: Check[] = [];
  for (const t of INSTANTS) {
    checks.push({
      label: `instant @${(t - data.startMs) / 1000}s`,
      prometheus: () => askPrometheus("query", { query: q.query, time: String(t / 1000) }),
      engine: () => askEngine(() => evaluateInstant(source, q.query, t)),
    });
  }
  for (const r of RANGES) {
    checks.push({
      label: `range ${(r.startMs - data.startMs) / 1000}s..${(r.endMs - data.startMs) / 1000}s step ${r.stepMs / 1000}s`,
      prometheus: () =>
        askPrometheus("query_range", { query: q.query, start: String(r.startMs / 1000), end: String(r.endMs / 1000), step: String(r.stepMs / 1000) }),
      engine: () => askEngine(() => evaluateRange(source, q.query, r.startMs, r.endMs, r.stepMs)),
    });
  }
  return checks;
}

function hasData(d: QueryData): boolean {
  return d.resultType === "scalar" || d.resultType === "string" || d.result.length > 0;
}

function ordered(query: string): boolean {
  return /^\s*sort(_desc)?\(/.test(query);
}

describe("PromQL side by side with Prometheus", () => {
  test("the corpus holds at least 300 queries, valid and invalid", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(corpus.filter((q) => q.shouldFail).length).toBeGreaterThanOrEqual(20);
  });

  test("every query answers as Prometheus answers it", async () => {
    const mismatches: string[] = [];
    let compared = 0;
    let answeredWithData = 0;
    const work = corpus.flatMap((q) => checksOf(q).map((c) => ({ q, c })));
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const { q, c } = work[next++];
        const theirs = await c.prometheus();
        const ours = await c.engine();
        compared++;
        if (theirs.status === "success" && hasData(theirs.data)) answeredWithData++;
        const where = `${q.query}  [${c.label}]`;
        if (q.differs) {
          const expected = q.differs.kind === "prometheus_fails" ? "error" : "success";
          if (theirs.status !== expected || ours.status !== "success") {
            mismatches.push(`${where}: listed as a deliberate difference (${q.differs.reason}) but Prometheus ${theirs.status}, Signalbox ${ours.status}`);
          }
          continue;
        }
        if (q.shouldFail && theirs.status !== "error") mismatches.push(`${where}: corpus says it fails, Prometheus answered`);
        const problem = compareOutcomes(ours, theirs, ordered(q.query), /\b(topk|bottomk)\b/.test(q.query));
        if (problem) mismatches.push(`${where}: ${problem}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(compared).toBe(work.length);
    // Equal because both are empty proves little: most answers must carry data.
    expect(answeredWithData / compared).toBeGreaterThan(0.7);
    expect(mismatches).toEqual([]);
  }, 120_000);
});
