/**
 * TraceQL metrics over HTTP as Grafana calls them (its Tempo data source's backend sends `q`,
 * `start`/`end` in unix seconds, `step` and `exemplars`; the Traces Drilldown app's landing
 * queries), against one monolith fed through the real OTel JS exporter. Expected values are
 * worked out from Tempo's documented semantics (docs/traces-traceql-metrics.md): intervals
 * (start + i·step, start + (i+1)·step] reported at their end, the range aligned to the step
 * with one extra leading interval, rate = spans / step seconds, power-of-two duration buckets.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { SpanKind } from "@opentelemetry/api";
import { FlightClient } from "../shared/flight/index.ts";
import { sendTimedTraces } from "./helpers/otel-timed-spans.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const MINUTE = 60_000;
/** A whole minute ten minutes ago: the three minutes after it hold the data. */
const BASE_MS = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const BASE_S = BASE_MS / 1000;
const at = (minute: number) => BASE_MS + minute * MINUTE + 10_000;
/** The four reported instants of a 60 s step over [base, base + 3 min]: one extra interval first. */
const TIMES = [0, 1, 2, 3].map((i) => String(BASE_MS + i * MINUTE));
const B50MS = 2 ** 26 / 1e9; // next power of two of 50 ms in ns, as seconds
const B100MS = 2 ** 27 / 1e9;
const B300MS = 2 ** 29 / 1e9;

let cluster: RoleProcess;
let router: string;
let traceIds: string[];

beforeAll(async () => {
  cluster = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: tempDir("traceql-metrics"), SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
  router = cluster.addresses["router.http"]!;
  const checkout = (minute: number, error = false, extraCharge = false) => ({
    service: "checkout",
    root: {
      name: "POST /checkout", kind: SpanKind.SERVER, startMs: at(minute), durationMs: 100, attributes: { "http.method": "POST", "http.status_code": 200 },
      children: [
        { service: "payment", name: "charge", kind: SpanKind.CLIENT, error, startMs: at(minute) + 1, durationMs: 300, attributes: { "http.method": "GET", "db.system": "postgresql" } },
        ...(extraCharge ? [{ service: "payment", name: "charge", kind: SpanKind.CLIENT, startMs: at(minute) + 2, durationMs: 300, attributes: { "http.method": "GET", "db.system": "postgresql" } }] : []),
      ],
    },
  });
  traceIds = await sendTimedTraces(cluster.addresses["acceptor.http"]!, [
    checkout(0),
    checkout(1, true),
    checkout(2, false, true),
    { service: "checkout", root: { name: "GET /cart", kind: SpanKind.SERVER, startMs: at(2) + 3, durationMs: 50, attributes: { "http.method": "GET" } } },
  ]);
  // Half the spans in Parquet, half live: both paths answer.
  await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
}, 60_000);

afterAll(async () => {
  await cluster?.kill();
});

interface Series {
  labels: { key: string; value: Record<string, unknown> }[];
  promLabels: string;
  samples: { timestampMs: string; value: number | string }[];
  exemplars?: { labels: { key: string; value: Record<string, unknown> }[]; value: number | string; timestampMs: string }[];
}

/** Grafana's Tempo data source (non-streaming): q, start/end in unix seconds, step, exemplars. */
async function range(q: string, extra: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const params = new URLSearchParams({ q, start: String(BASE_S), end: String(BASE_S + 180), step: "60s", ...extra });
  const response = await fetch(`http://${router}/api/metrics/query_range?${params}`);
  return { status: response.status, body: await response.json() };
}

async function series(q: string, extra: Record<string, string> = {}): Promise<Series[]> {
  const { status, body } = await range(q, extra);
  expect({ status, error: body.error }).toEqual({ status: 200, error: undefined });
  return body.series;
}

const values = (s: Series | undefined) => s?.samples.map((x) => [x.timestampMs, x.value]);
const byLabel = (all: Series[], key: string, value: string) => all.find((s) => s.labels.some((l) => l.key === key && Object.values(l.value)[0] === value));
const seq = (...v: (number | null)[]) => v.flatMap((x, i) => (x === null ? [] : [[TIMES[i], x]]));

describe("the Traces Drilldown landing queries", () => {
  test("{} | rate() by (resource.service.name): spans per second per step and service", async () => {
    const all = await series("{} | rate() by (resource.service.name)");
    expect(all.map((s) => s.labels)).toEqual([
      [{ key: "resource.service.name", value: { stringValue: "checkout" } }],
      [{ key: "resource.service.name", value: { stringValue: "payment" } }],
    ]);
    expect(all[0]!.promLabels).toBe('{resource.service.name="checkout"}');
    expect(values(all[0])).toEqual(seq(0, 1 / 60, 1 / 60, 2 / 60));
    expect(values(all[1])).toEqual(seq(0, 1 / 60, 1 / 60, 2 / 60));
  });

  test("{status=error} | rate(): one series named after the function", async () => {
    const all = await series("{status=error} | rate()");
    expect(all).toHaveLength(1);
    expect(all[0]!.labels).toEqual([{ key: "__name__", value: { stringValue: "rate" } }]);
    expect(values(all[0])).toEqual(seq(0, 0, 1 / 60, 0));
  });

  test("{} | histogram_over_time(duration): a series per power-of-two bucket (seconds)", async () => {
    const all = await series("{} | histogram_over_time(duration)");
    expect(all.map((s) => s.labels)).toEqual([B50MS, B100MS, B300MS].map((b) => [{ key: "__bucket", value: { doubleValue: b } }]));
    expect(values(all[0])).toEqual(seq(0, 0, 0, 1));
    expect(values(all[1])).toEqual(seq(0, 1, 1, 1));
    expect(values(all[2])).toEqual(seq(0, 1, 1, 2));
  });

  test("{} | quantile_over_time(duration, .5, .9, .99): a series per quantile, labelled p", async () => {
    const all = await series("{} | quantile_over_time(duration, .5, .9, .99)");
    expect(all.map((s) => s.labels)).toEqual([0.5, 0.9, 0.99].map((p) => [{ key: "p", value: { doubleValue: p } }]));
    // Ranks ceil(p·n) over the buckets; a rank ending exactly on a bucket is its bound; 0 without spans.
    expect(values(all[0])).toEqual(seq(0, B100MS, B100MS, B100MS));
    expect(values(all[1])).toEqual(seq(0, B300MS, B300MS, B300MS));
    expect(values(all[2])).toEqual(seq(0, B300MS, B300MS, B300MS));
  });

  test("{} | compare({status=error}): baseline and selection per attribute value, with totals", async () => {
    const all = await series("{} | compare({status=error})");
    const find = (meta: string, key: string, value: string | null) =>
      all.find(
        (s) =>
          s.labels[0]!.key === "__meta_type" && s.labels[0]!.value.stringValue === meta && s.labels[1]!.key === key &&
          (value === null ? Object.keys(s.labels[1]!.value).length === 0 : Object.values(s.labels[1]!.value)[0] === value),
      );
    expect(values(find("selection", "name", "charge"))).toEqual(seq(0, 0, 1, 0));
    expect(values(find("baseline", "name", "charge"))).toEqual(seq(0, 1, 0, 2));
    expect(values(find("baseline", "resource.service.name", "checkout"))).toEqual(seq(0, 1, 1, 2));
    expect(values(find("selection", "status", "error"))).toEqual(seq(0, 0, 1, 0));
    expect(values(find("selection", "span.db.system", "postgresql"))).toEqual(seq(0, 0, 1, 0));
    expect(values(find("selection_total", "name", null))).toEqual(seq(0, 0, 1, 0));
    expect(values(find("baseline_total", "name", null))).toEqual(seq(0, 2, 1, 4));
    expect(find("selection", "name", "POST /checkout")).toBeUndefined();
    expect(values(find("selection", "rootServiceName", "checkout"))).toEqual(seq(0, 0, 1, 0));
    expect(values(find("selection", "statusMessage", "failed"))).toEqual(seq(0, 0, 1, 0));
  });
});

describe("the Drilldown app's own forms (primary signal: root spans; filters `true`)", () => {
  const ROOTS = "nestedSetParent<0 && true";

  test("rate by service, errors, histogram and p90 over root spans", async () => {
    const rate = await series(`{${ROOTS}} | rate() by(resource.service.name)`);
    expect(rate.map((s) => [s.promLabels, values(s)])).toEqual([['{resource.service.name="checkout"}', seq(0, 1 / 60, 1 / 60, 2 / 60)]]);
    expect(await series(`{${ROOTS} && status=error} | rate() `)).toEqual([]);
    const histogram = await series(`{${ROOTS}} | histogram_over_time(duration) with(sample=true)`);
    expect(histogram.map((s) => [s.labels[0]!.value.doubleValue, values(s)])).toEqual([[B50MS, seq(0, 0, 0, 1)], [B100MS, seq(0, 1, 1, 1)]]);
    const p90 = await series(`{${ROOTS}} | quantile_over_time(duration, 0.9) `);
    expect(values(p90[0])).toEqual(seq(0, B100MS, B100MS, B100MS));
  });

  test("the comparison tab: compare over the whole range in one step", async () => {
    const start = String(BASE_S);
    const end = String(BASE_S + 180);
    const all = await series(`{true} | compare({status=error}, 10, ${start}000000000, ${end}000000000)`, { step: "180s" });
    const selection = all.find((s) => s.promLabels === '{__meta_type="selection", name="charge"}');
    expect(selection!.samples.reduce((n, x) => n + (x.value as number), 0)).toBe(1);
  });

  test("a structural query: payment spans below a POST", async () => {
    const below = await series('{ span.http.method = "POST" } >> { span.db.system = "postgresql" } | count_over_time()');
    expect(values(below[0])).toEqual(seq(0, 1, 1, 2));
  });
});

describe("each metrics function", () => {
  test("count_over_time by name", async () => {
    const all = await series("{} | count_over_time() by (name)");
    expect(values(byLabel(all, "name", "charge"))).toEqual(seq(0, 1, 1, 2));
    expect(values(byLabel(all, "name", "GET /cart"))).toEqual(seq(0, 0, 0, 1));
  });

  test("min, max, avg and sum over time: only steps with values, durations in seconds", async () => {
    const q = (fn: string) => series(`{} | ${fn}(duration) by (resource.service.name)`);
    expect(values(byLabel(await q("min_over_time"), "resource.service.name", "checkout"))).toEqual(seq(null, 0.1, 0.1, 0.05));
    expect(values(byLabel(await q("max_over_time"), "resource.service.name", "checkout"))).toEqual(seq(null, 0.1, 0.1, 0.1));
    const avg = values(byLabel(await q("avg_over_time"), "resource.service.name", "checkout"))!;
    expect(avg.map(([t, v]) => [t, Math.round((v as number) * 1e9) / 1e9])).toEqual(seq(null, 0.1, 0.1, 0.075));
    const sums = values(byLabel(await q("sum_over_time"), "resource.service.name", "payment"))!;
    expect(sums.map(([t]) => t)).toEqual([TIMES[1], TIMES[2], TIMES[3]]);
    expect(sums.map(([, v]) => v as number).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0.3, 0.3, 0.6]);
  });

  test("an int attribute: typed labels and values", async () => {
    const all = await series("{} | max_over_time(span.http.status_code) by (span.http.method)");
    expect(all.map((s) => s.labels)).toEqual([[{ key: "span.http.method", value: { stringValue: "POST" } }]]);
    expect(values(all[0])).toEqual(seq(null, 200, 200, 200));
    const grouped = await series("{ span.http.status_code = 200 } | count_over_time() by (span.http.status_code)");
    expect(grouped[0]!.labels).toEqual([{ key: "span.http.status_code", value: { intValue: "200" } }]);
    expect(grouped[0]!.promLabels).toBe('{span.http.status_code="int(200)"}');
  });

  test("by() on an attribute some spans lack: those spans are one series labelled nil", async () => {
    const all = await series("{} | count_over_time() by (span.db.system)");
    expect(values(byLabel(all, "span.db.system", "postgresql"))).toEqual(seq(0, 1, 1, 2));
    const nil = all.find((s) => s.promLabels === '{span.db.system="<nil>"}');
    expect(nil?.labels).toEqual([{ key: "span.db.system", value: {} }]);
    expect(values(nil)).toEqual(seq(0, 1, 1, 2));
  });

  test("spanset operators and root fields: the trace decides", async () => {
    // Spans matching either side, in traces that have both: the three checkout traces, not GET /cart.
    const both = await series('{ name = "POST /checkout" } && { span.db.system = "postgresql" } | count_over_time()');
    expect(values(both[0])).toEqual(seq(0, 2, 2, 3));
    const byRoot = await series("{} | count_over_time() by (rootServiceName)");
    expect(byRoot.map((s) => [s.promLabels, values(s)])).toEqual([['{rootServiceName="checkout"}', seq(0, 2, 2, 4)]]);
  });

  test("topk and bottomk keep, at each step, the k highest / lowest series", async () => {
    const top = await series("{} | count_over_time() by (name) | topk(1)");
    const last = top.filter((s) => s.samples.some((x) => x.timestampMs === TIMES[3]));
    expect(last.map((s) => [s.promLabels, values(s)!.find(([t]) => t === TIMES[3])![1]])).toEqual([['{name="charge"}', 2]]);
    const bottom = await series("{ kind = server } | count_over_time() by (name) | bottomk(1)");
    const atLast = bottom.filter((s) => s.samples.some((x) => x.timestampMs === TIMES[3]));
    expect(atLast).toHaveLength(1);
  });

  test("exemplars: trace and span ids of matching spans, at most as many as asked", async () => {
    const all = await series("{ status = error } | rate()", { exemplars: "5" });
    const exemplars = all.flatMap((s) => s.exemplars ?? []);
    expect(exemplars.length).toBeGreaterThan(0);
    expect(exemplars.length).toBeLessThanOrEqual(5);
    const traceId = exemplars[0]!.labels.find((l) => l.key === "trace:id")!.value.stringValue;
    expect(traceId).toBe(traceIds[1]);
    expect(exemplars[0]!.value).toBe("NaN");
    const none = await series("{ status = error } | rate() with(exemplars=false)");
    expect(none.flatMap((s) => s.exemplars ?? [])).toEqual([]);
  });

  test("instant query: one value per series over (start, end]", async () => {
    const params = new URLSearchParams({ q: "{} | count_over_time() by (resource.service.name)", start: String(BASE_S), end: String(BASE_S + 180) });
    const response = await fetch(`http://${router}/api/metrics/query?${params}`);
    const body = (await response.json()) as any;
    expect(response.status).toBe(200);
    expect(body.series.map((s: any) => [s.labels[0].value.stringValue, s.value])).toEqual([["checkout", 4], ["payment", 4]]);
    expect(Number(body.metrics.inspectedSpans)).toBe(8);
  });

  test("Tempo's other time forms: nanoseconds, RFC3339, since, no step", async () => {
    const ns = await series("{} | count_over_time()", { start: `${BASE_S}000000000`, end: `${BASE_S + 180}000000000` });
    const rfc = await series("{} | count_over_time()", { start: new Date(BASE_MS).toISOString(), end: new Date(BASE_MS + 180_000).toISOString() });
    expect(values(rfc[0])).toEqual(values(ns[0]));
    const params = new URLSearchParams({ q: "{} | count_over_time()", since: "30m" });
    const response = await fetch(`http://${router}/api/metrics/query_range?${params}`);
    const body = (await response.json()) as any;
    expect(response.status).toBe(200);
    // Default step for 30 minutes: 7 s rounds down to 5 s granularity → 360+1 intervals.
    const total = body.series[0].samples.reduce((n: number, s: any) => n + s.value, 0);
    expect(total).toBe(8);
    expect(Number(body.series[0].samples[1].timestampMs) - Number(body.series[0].samples[0].timestampMs)).toBe(5000);
  });
});

describe("bad input is a 400 naming what is wrong", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["no query", { q: "" }, /q/],
    ["a search query", { q: "{}" }, /not a metrics query/],
    ["a syntax error", { q: "{} | rate(" }, /position 10/],
    ["an unknown function", { q: "{} | median()" }, /unexpected "median" at position 5/],
    ["a quantile outside [0, 1]", { q: "{} | quantile_over_time(duration, 1.5)" }, /quantile 1.5 is not between 0 and 1/],
    ["a bad step", { q: "{} | rate()", step: "soon" }, /"step"/],
    ["a bad start", { q: "{} | rate()", start: "yesterday" }, /"start"/],
    ["start after end", { q: "{} | rate()", start: String(BASE_S + 100), end: String(BASE_S) }, /end must be greater than start/],
    ["a metrics query's event attribute", { q: "{} | rate() by (event.name)" }, /event attributes are not supported in metrics/],
    ["arithmetic between metrics", { q: "({} | rate()) / ({} | count_over_time())" }, /arithmetic between metrics queries is not supported/],
    ["too many intervals", { q: "{} | rate()", step: "1ms" }, /step of 1ms is too small/],
    ["topk without a limit", { q: "{} | rate() | topk(0)" }, /topk\(\) needs a limit greater than 0/],
  ];
  for (const [what, params, message] of cases) {
    test(what, async () => {
      const { status, body } = await range(params.q ?? "{} | rate()", params);
      expect(status).toBe(400);
      expect(body.error).toMatch(message);
    });
  }
});
