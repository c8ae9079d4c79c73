/**
 * Loki's metadata tickets at the engine: label names and values narrowed by a selector,
 * series, index stats, volume (instant and range, by series and by labels) and detected
 * labels, over Parquet files plus live rows.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { QueryEngine, type QuerySources } from "../services/querier/engine/index.ts";
import { parseTicket, QueryError, type TicketInput } from "../shared/query/index.ts";
import { quietLog } from "./helpers/query-engine.ts";
import { logsBatch, tempDir, writeParquet, type LogSpec } from "./helpers/query-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const HOUR = 3_600_000_000_000n;
const T0 = 1_700_000_000_000_000_000n - (1_700_000_000_000_000_000n % HOUR); // an hour boundary
const SEC = 1_000_000_000n;
const PROD = { "deployment.environment": "prod", "k8s.pod.name": "api-1" };
const DEV = { "deployment.environment": "dev", "k8s.pod.name": "api-2" };

const FILE_LOGS: LogSpec[] = [
  { timeNs: T0 + 1n * SEC, body: "GET /users 200", service: "api", resourceAttributes: PROD },
  { timeNs: T0 + 2n * SEC, body: "GET /orders 500", service: "api", resourceAttributes: PROD },
  { timeNs: T0 + HOUR + 1n * SEC, body: "GET /x 200", service: "api", resourceAttributes: PROD },
  { timeNs: T0 + 3n * SEC, body: "dev line", service: "api", resourceAttributes: DEV },
];
const LIVE_LOGS: LogSpec[] = [
  { timeNs: T0 + 4n * SEC, body: "job done", service: "worker", resourceAttributes: { "deployment.environment": "prod" } },
  { timeNs: T0 + HOUR + 2n * SEC, body: "job 2", service: "worker", resourceAttributes: { "deployment.environment": "prod" } },
];
/** A separate set for field detection: JSON and logfmt lines with log attributes (structured metadata). */
const CHECKOUT_LOGS: LogSpec[] = [
  { timeNs: T0 + 10n * SEC, body: '{"status":500,"latency":"250ms","user":{"id":"u1"},"size":"10MiB","ok":true}', service: "checkout", attributes: { "http.method": "GET" } },
  { timeNs: T0 + 11n * SEC, body: '{"status":200,"latency":"1.5s","user":{"id":"u2"},"size":"10MiB","ok":false}', service: "checkout", attributes: { "http.method": "POST" } },
  { timeNs: T0 + 12n * SEC, body: 'level=warn msg="slow call" took=3.25', service: "checkout" },
];
const bytesOf = (logs: LogSpec[]) => logs.reduce((n, l) => n + Buffer.byteLength(l.body as string), 0);

let engine: QueryEngine;
let sources: QuerySources;
let checkoutSources: QuerySources;
let cleanup: () => void;

beforeAll(async () => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  sources = { files: [await writeParquet(tmp.dir, "logs", [logsBatch(FILE_LOGS)])], live: [logsBatch(LIVE_LOGS)] };
  checkoutSources = { files: [await writeParquet(tmp.dir, "logs", [logsBatch(CHECKOUT_LOGS)])], live: [] };
  engine = await QueryEngine.open({ log: quietLog() });
});
afterAll(async () => {
  await engine.close();
  cleanup();
});

const range = { startNs: String(T0), endNs: String(T0 + 2n * HOUR) };
const run = async (ticket: Record<string, unknown>) =>
  (await engine.execute(parseTicket({ org: "acme", bucket: "default", ...range, ...ticket } as TicketInput), sources))
    .toArray()
    .map((r) => r.toJSON() as Record<string, unknown>);

describe("label endpoints honour query=", () => {
  test("names and values narrowed by a selector", async () => {
    expect((await run({ kind: "log_labels" })).map((r) => r.name)).toEqual(["deployment_environment", "k8s_pod_name", "service_name"]);
    expect((await run({ kind: "log_labels", query: '{service_name="worker"}' })).map((r) => r.name)).toEqual(["deployment_environment", "service_name"]);
    const values = async (name: string, query?: string) => (await run({ kind: "log_label_values", name, query })).map((r) => r.value);
    expect(await values("k8s_pod_name")).toEqual(["api-1", "api-2"]);
    expect(await values("k8s_pod_name", '{deployment_environment="prod"}')).toEqual(["api-1"]);
    expect(await values("service_name", '{deployment_environment=~"pr.*", k8s_pod_name!="api-1"}')).toEqual(["worker"]);
  });

  test("a bad selector is a 400 naming the position", () => {
    expect(() => parseTicket({ kind: "log_labels", org: "a", bucket: "b", query: '{service_name="x"' })).toThrow(QueryError);
    expect(() => parseTicket({ kind: "log_labels", org: "a", bucket: "b", query: '{a="b"} |= "x"' })).toThrow(/only a stream selector/);
  });
});

describe("tickets", () => {
  const base = { org: "a", bucket: "b" };
  test("defaults as Loki's: volume by series, limit 100; detected fields 1000 fields", () => {
    expect(parseTicket({ ...base, kind: "log_volume", query: "{}" })).toMatchObject({ aggregateBy: "series", limit: 100, targetLabels: [] });
    expect(parseTicket({ ...base, kind: "log_detected_fields", query: '{a="b"}' })).toMatchObject({ limit: 1000 });
  });

  test("bad values and selectors are refused before any data is read", () => {
    expect(() => parseTicket({ ...base, kind: "log_volume", query: "{}", aggregateBy: "streams" })).toThrow(/aggregateBy/);
    expect(() => parseTicket({ ...base, kind: "log_series", selectors: ['{a="b"', '{c="d"}'] })).toThrow(QueryError);
    expect(() => parseTicket({ ...base, kind: "log_index_stats", query: 'sum(rate({a="b"}[1m]))' })).not.toThrow();
    expect(() => parseTicket({ ...base, kind: "log_patterns", query: '{a="b"}' })).toThrow(/stepNs/);
  });
});

describe("series", () => {
  test("union of selectors, sorted label sets; none or {} = every stream", async () => {
    const sets = async (selectors: string[]) => (await run({ kind: "log_series", selectors })).map((r) => JSON.parse(r.labels as string));
    expect(await sets(['{k8s_pod_name="api-2"}', '{service_name="worker"}'])).toEqual([
      { deployment_environment: "dev", k8s_pod_name: "api-2", service_name: "api" },
      { deployment_environment: "prod", service_name: "worker" },
    ]);
    expect(await sets([])).toHaveLength(3);
    expect(await sets(["{}"])).toHaveLength(3);
  });
});

describe("index stats", () => {
  test("streams, hourly chunks, entries and line bytes of the selected streams", async () => {
    const [all] = await run({ kind: "log_index_stats", query: '{service_name=~".+"}' });
    expect(all).toEqual({ streams: 3n, chunks: 5n, entries: 6n, bytes: BigInt(bytesOf([...FILE_LOGS, ...LIVE_LOGS])) });
    const [prod] = await run({ kind: "log_index_stats", query: '{service_name="api", deployment_environment="prod"}', endNs: String(T0 + HOUR) });
    expect(prod).toEqual({ streams: 1n, chunks: 1n, entries: 2n, bytes: BigInt(bytesOf(FILE_LOGS.slice(0, 2))) });
    const [none] = await run({ kind: "log_index_stats", query: '{service_name="nope"}' });
    expect(none).toEqual({ streams: 0n, chunks: 0n, entries: 0n, bytes: 0n });
  });
});

describe("volume", () => {
  test("instant, by the selector's labels: one sample per group at the end, largest first", async () => {
    const rows = await run({ kind: "log_volume", query: '{service_name=~".+"}' });
    const apiBytes = bytesOf(FILE_LOGS);
    expect(rows).toEqual([
      { name: JSON.stringify({ service_name: "api" }), time_unix_nano: T0 + 2n * HOUR, volume: BigInt(apiBytes) },
      { name: JSON.stringify({ service_name: "worker" }), time_unix_nano: T0 + 2n * HOUR, volume: BigInt(bytesOf(LIVE_LOGS)) },
    ]);
  });

  test("target labels group and require the label; limit keeps the largest", async () => {
    const rows = await run({ kind: "log_volume", query: "{}", targetLabels: ["k8s_pod_name"], limit: 1 });
    expect(rows.map((r) => JSON.parse(r.name as string))).toEqual([{ k8s_pod_name: "api-1" }]);
  });

  test("aggregateBy=labels: one group per label name (of the target labels, when given)", async () => {
    const rows = await run({ kind: "log_volume", query: '{service_name="api"}', aggregateBy: "labels", targetLabels: ["k8s_pod_name"] });
    expect(rows.map((r) => r.name)).toEqual(["k8s_pod_name"]);
    const all = await run({ kind: "log_volume", query: "{}", aggregateBy: "labels" });
    expect(all.map((r) => r.name)).toEqual(["deployment_environment", "service_name", "k8s_pod_name"]);
  });

  test("range: one sample per step bucket, stamped at the bucket's end", async () => {
    const rows = await run({ kind: "log_volume", query: '{service_name="worker"}', stepNs: String(HOUR) });
    expect(rows).toEqual([
      { name: JSON.stringify({ service_name: "worker" }), time_unix_nano: T0 + HOUR - 1_000_000n, volume: BigInt(bytesOf(LIVE_LOGS.slice(0, 1))) },
      { name: JSON.stringify({ service_name: "worker" }), time_unix_nano: T0 + 2n * HOUR, volume: BigInt(bytesOf(LIVE_LOGS.slice(1))) },
    ]);
  });
});

describe("detected labels", () => {
  test("stream labels with their cardinality, narrowed by the selector", async () => {
    const rows = await run({ kind: "log_detected_labels" });
    expect(rows).toEqual([
      { label: "deployment_environment", cardinality: 2n },
      { label: "k8s_pod_name", cardinality: 2n },
      { label: "service_name", cardinality: 2n },
    ]);
    expect(await run({ kind: "log_detected_labels", query: '{service_name="worker"}' })).toEqual([
      { label: "deployment_environment", cardinality: 1n },
      { label: "service_name", cardinality: 1n },
    ]);
  });
});

describe("detected fields", () => {
  const detect = async (ticket: Record<string, unknown>) =>
    (await engine.execute(parseTicket({ org: "acme", bucket: "default", ...range, ...ticket } as TicketInput), checkoutSources))
      .toArray()
      .map((r) => r.toJSON() as Record<string, unknown>);

  test("json and logfmt fields with Loki's types, structured metadata without a parser", async () => {
    const rows = await detect({ kind: "log_detected_fields", query: '{service_name="checkout"}' });
    const byLabel = Object.fromEntries(rows.map((r) => [r.label, r]));
    expect(byLabel.status).toEqual({ label: "status", type: "int", cardinality: 2n, parsers: '["json"]', json_path: '["status"]' });
    expect(byLabel.latency).toMatchObject({ type: "duration", cardinality: 2n });
    expect(byLabel.user_id).toMatchObject({ type: "string", cardinality: 2n, json_path: '["user","id"]' });
    expect(byLabel.size).toMatchObject({ type: "bytes", cardinality: 1n });
    expect(byLabel.ok).toMatchObject({ type: "boolean" });
    expect(byLabel.took).toMatchObject({ type: "float", parsers: '["logfmt"]', json_path: null });
    expect(byLabel.msg).toMatchObject({ type: "string", parsers: '["logfmt"]' });
    expect(byLabel.http_method).toMatchObject({ type: "string", cardinality: 2n, parsers: null });
    expect(byLabel.detected_level).toMatchObject({ parsers: null });
  });

  test("line_limit reads only the newest lines; the pipeline applies first", async () => {
    const newest = await detect({ kind: "log_detected_fields", query: '{service_name="checkout"}', lineLimit: 1 });
    expect(newest.map((r) => r.label)).toContain("took");
    expect(newest.map((r) => r.label)).not.toContain("status");
    const errors = await detect({ kind: "log_detected_fields", query: '{service_name="checkout"} | json | status >= 500' });
    expect(errors.find((r) => r.label === "status")).toMatchObject({ cardinality: 1n });
  });

  test("values of one field; byte sizes written as Loki writes them", async () => {
    const values = async (name: string) => (await detect({ kind: "log_detected_field_values", query: '{service_name="checkout"}', name })).map((r) => r.value);
    expect(await values("status")).toEqual(["200", "500"]);
    expect(await values("http_method")).toEqual(["GET", "POST"]);
    expect(await values("size")).toEqual(["10MB"]);
  });

  test("a metric query is refused", async () => {
    expect(detect({ kind: "log_detected_fields", query: 'rate({service_name="checkout"}[1m])' })).rejects.toThrow(/log query/);
  });
});
