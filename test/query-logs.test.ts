/** Loki-style log queries: selectors, line filters, direction, limit, time range, labels. */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { QueryEngine, type QuerySources } from "../services/querier/engine/index.ts";
import { logsResultSchema } from "../shared/query/index.ts";
import { parseTicket, type TicketInput } from "../shared/query/index.ts";
import { quietLog } from "./helpers/query-engine.ts";
import { logsBatch, tempDir, writeParquet, type LogSpec } from "./helpers/query-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const T0 = 1_700_000_000_000_000_000n;
const SEC = 1_000_000_000n;
const API_RESOURCE = { "deployment.environment": "prod", "k8s.pod.name": "api-1", replicas: 3 };

const API_LOGS: LogSpec[] = [
  { timeNs: T0 + 1n * SEC, body: "GET /users 200", service: "api", severityText: "INFO", resourceAttributes: API_RESOURCE },
  { timeNs: T0 + 2n * SEC, body: "GET /orders 500 failed", service: "api", severityText: "ERROR", resourceAttributes: API_RESOURCE },
  {
    timeNs: T0 + 3n * SEC,
    body: { kvlistValue: { values: [{ key: "a", value: { stringValue: "b" } }] } },
    service: "api",
    severityText: "Warn",
    resourceAttributes: API_RESOURCE,
  },
];
const LIVE_LOGS: LogSpec[] = [
  { timeNs: T0 + 4n * SEC, body: "job 17 done", service: "worker", resourceAttributes: { "deployment.environment": "dev" } },
  { timeNs: T0 + 5n * SEC, body: { intValue: "42" }, service: "worker", severityText: "DEBUG", resourceAttributes: { "deployment.environment": "dev" } },
  { timeNs: T0 + 6n * SEC, body: "anonymous line" },
];

let engine: QueryEngine;
let sources: QuerySources;
let cleanup: () => void;

beforeAll(async () => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  sources = { files: [await writeParquet(tmp.dir, "logs", [logsBatch(API_LOGS)])], live: [logsBatch(LIVE_LOGS)] };
  engine = await QueryEngine.open({ log: quietLog() });
});
afterAll(async () => {
  await engine.close();
  cleanup();
});

const run = async (ticket: Record<string, unknown>) =>
  (await engine.execute(parseTicket({ org: "acme", bucket: "default", ...ticket } as TicketInput), sources))
    .toArray()
    .map((r) => r.toJSON() as Record<string, unknown>);
const lines = async (query: string, extra: Record<string, unknown> = {}) =>
  (await run({ kind: "logs", query, ...extra })).map((r) => r.line);

describe("logs", () => {
  test("result columns, labels, backward order", async () => {
    const table = await engine.execute(parseTicket({ org: "a", bucket: "b", kind: "logs", query: '{service_name="api"}' }), sources);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(logsResultSchema.fields.map((f) => `${f.name}:${f.type}`));
    const rows = table.toArray().map((r) => r.toJSON());
    expect(rows.map((r) => r.time_unix_nano)).toEqual([T0 + 3n * SEC, T0 + 2n * SEC, T0 + 1n * SEC]);
    expect(JSON.parse(rows[1]!.labels as string)).toEqual({
      deployment_environment: "prod",
      k8s_pod_name: "api-1",
      level: "error",
      service_name: "api",
    });
    expect(rows.map((r) => r.line)).toEqual([
      '{"kvlistValue":{"values":[{"key":"a","value":{"stringValue":"b"}}]}}',
      "GET /orders 500 failed",
      "GET /users 200",
    ]);
  });

  test("labels of a stream without service or level", async () => {
    const [row] = await run({ kind: "logs", query: '{service_name="unknown_service"}' });
    expect(JSON.parse(row!.labels as string)).toEqual({ service_name: "unknown_service" });
    expect(row!.line).toBe("anonymous line");
  });

  test("forward direction and limit", async () => {
    expect(await lines("{}", { direction: "forward", limit: 2 })).toEqual(["GET /users 200", "GET /orders 500 failed"]);
    expect(await lines("{}", { limit: 1 })).toEqual(["anonymous line"]);
  });

  test("scalar bodies become their text", async () => {
    expect(await lines('{level="debug"}')).toEqual(["42"]);
  });

  test("selector operators", async () => {
    expect(await lines('{deployment_environment=~"pr.*"}', { direction: "forward" })).toHaveLength(3);
    expect(await lines('{deployment_environment=~"pr"}')).toEqual([]); // fully anchored
    expect(await lines('{service_name!="api"}')).toEqual(["anonymous line", "42", "job 17 done"]);
    expect(await lines('{service_name!~"a.*"}')).toEqual(["anonymous line", "42", "job 17 done"]);
    expect(await lines('{service_name="worker", level=""}')).toEqual(["job 17 done"]);
    expect(await lines('{level=~"warn|error"}')).toHaveLength(2);
    expect(await lines('{k8s_pod_name!=""}')).toHaveLength(3);
    expect(await lines('{replicas="3"}')).toEqual([]); // only string resource attributes are labels
  });

  test("line filters", async () => {
    expect(await lines('{service_name="api"} |= "GET"')).toEqual(["GET /orders 500 failed", "GET /users 200"]);
    expect(await lines('{service_name="api"} != "500"')).toHaveLength(2);
    expect(await lines('{} |~ "job \\\\d+"')).toEqual(["job 17 done"]);
    expect(await lines('{} |~ "orders"')).toEqual(["GET /orders 500 failed"]); // unanchored
    expect(await lines('{service_name="api"} !~ "GET.*"')).toHaveLength(1);
    expect(await lines('{} |= "GET" != "users" |~ "5\\\\d\\\\d"')).toEqual(["GET /orders 500 failed"]);
  });

  test("time range: start inclusive, end exclusive", async () => {
    const range = { startNs: String(T0 + 2n * SEC), endNs: String(T0 + 4n * SEC), direction: "forward" };
    expect(await run({ kind: "logs", query: "{}", ...range }).then((r) => r.map((x) => x.time_unix_nano))).toEqual([
      T0 + 2n * SEC,
      T0 + 3n * SEC,
    ]);
  });
});

describe("log labels", () => {
  test("names", async () => {
    expect((await run({ kind: "log_labels" })).map((r) => r.name)).toEqual([
      "deployment_environment",
      "k8s_pod_name",
      "service_name",
    ]);
  });

  test("values", async () => {
    const values = async (name: string) => (await run({ kind: "log_label_values", name })).map((r) => r.value);
    expect(await values("service_name")).toEqual(["api", "unknown_service", "worker"]);
    expect(await values("level")).toEqual([]); // Loki's OTLP model: the level is metadata (detected_level), not a stream label
    expect(await values("deployment_environment")).toEqual(["dev", "prod"]);
    expect(await values("nope")).toEqual([]);
  });

  test("time range applies", async () => {
    const rows = await run({ kind: "log_label_values", name: "service_name", startNs: String(T0 + 4n * SEC) });
    expect(rows.map((r) => r.value)).toEqual(["unknown_service", "worker"]);
  });
});
