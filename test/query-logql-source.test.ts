/**
 * The querier's LogQL source at engine level: `logql` tickets over Parquet files plus live
 * rows, read through Loki's model — the record fields that become metadata, non-string
 * bodies and their line filters, contexts by resource and severity, limit and direction.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Table } from "apache-arrow";
import { LOGQL_COLUMNS, parseTicket, type TicketInput } from "../shared/query/index.ts";
import { QueryEngine, type QuerySources } from "../services/querier/engine/index.ts";
import { logRow, batchOf, logsBatch, tempDir, writeParquet } from "./helpers/query-fixtures.ts";
import { quietLog } from "./helpers/query-engine.ts";
import { logsSchema } from "../shared/tables/index.ts";

const T0 = 1_700_000_000_000_000_000n;
const S = 1_000_000_000n;
let engine: QueryEngine;
let sources: QuerySources;
let cleanup: () => void;

beforeAll(async () => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  const file = await writeParquet(tmp.dir, "logs", [
    logsBatch([
      { timeNs: T0, body: "GET /a 200", service: "api", severityText: "INFO", severityNumber: 9, resourceAttributes: { "k8s.pod.name": "api-0", "host.name": "h1" } },
      { timeNs: T0 + S, body: "GET /b 500", service: "api", severityText: "ERROR", severityNumber: 17, resourceAttributes: { "k8s.pod.name": "api-0", "host.name": "h1" }, traceId: "0af7651916cd43dd8448eb211c80319c" },
      { timeNs: T0 + 2n * S, body: { kvlistValue: { values: [{ key: "msg", value: { stringValue: "map body" } }, { key: "n", value: { intValue: "3" } }] } }, service: "api", resourceAttributes: { "k8s.pod.name": "api-1" } },
    ]),
  ]);
  const live = batchOf(logsSchema, [
    { ...logRow({ timeNs: T0 + 3n * S, body: "live line", service: "db", severityText: "warn" }), flags: 1n, event_name: "db.slow", dropped_attributes_count: 2, scope_name: "db.driver" },
  ]);
  // More contexts than the query lists inline: read through a joined table of them.
  const many = logsBatch(Array.from({ length: 70 }, (_, i) => ({ timeNs: T0 + 5n * S + BigInt(i), body: `pod ${i}`, service: "many", resourceAttributes: { "k8s.pod.name": `p-${i}` } })));
  // No service.name: the label is discovered from k8s.container.name.
  const discovered = logsBatch([{ timeNs: T0 + 6n * S, body: "no service", resourceAttributes: { "k8s.container.name": "sidecar" } }]);
  sources = { files: [file], live: [live, many, discovered] };
  engine = await QueryEngine.open({ log: quietLog() });
});

afterAll(async () => {
  await engine.close();
  cleanup();
});

async function logql(query: string, extra: Record<string, unknown> = {}): Promise<{ type: string; result: any }> {
  const table: Table = await engine.execute(
    parseTicket({ org: "a", bucket: "b", kind: "logql", query, startNs: String(T0), endNs: String(T0 + 10n * S), evalStartNs: String(T0), evalEndNs: String(T0 + 10n * S), ...extra } as TicketInput),
    sources,
  );
  return { type: String(table.getChild(LOGQL_COLUMNS.resultType)!.get(0)), result: JSON.parse(String(table.getChild(LOGQL_COLUMNS.result)!.get(0))) };
}

describe("logql over files and live rows", () => {
  test("entries carry Loki's stream labels and metadata, newest first", async () => {
    const { type, result } = await logql('{service_name=~"api|db"}');
    expect(type).toBe("streams");
    const entries = result.flatMap((g: any) => g.values.map((v: string[]) => ({ ts: v[0], line: v[1], stream: g.stream, meta: g.structuredMetadata })));
    expect(entries.map((e: any) => e.line)).toEqual(["live line", '{"msg":"map body","n":3}', "GET /b 500", "GET /a 200"]);
    expect(entries[0]).toMatchObject({ stream: { service_name: "db" }, meta: { flags: "1", event_name: "db.slow", dropped_attributes_count: "2", scope_name: "db.driver", severity_text: "warn", detected_level: "warn" } });
    expect(entries[2]).toMatchObject({ stream: { service_name: "api", k8s_pod_name: "api-0" }, meta: { host_name: "h1", trace_id: "0af7651916cd43dd8448eb211c80319c", severity_number: "17", detected_level: "error" } });
    expect(entries[1].meta.detected_level).toBe("unknown");
  });

  test("line filters apply to string bodies in SQL and to other bodies on their Loki line", async () => {
    const lines = async (q: string) => (await logql(q)).result.flatMap((g: any) => g.values.map((v: string[]) => v[1]));
    expect(await lines('{service_name="api"} |= "map"')).toEqual(['{"msg":"map body","n":3}']);
    expect(await lines('{service_name="api"} |~ "\\"n\\":3"')).toEqual(['{"msg":"map body","n":3}']);
    expect(await lines('{service_name="api"} != "map" |= "GET"')).toEqual(["GET /b 500", "GET /a 200"]);
    expect(await lines('{k8s_pod_name="api-0"} |~ "(?i)get /B"')).toEqual(["GET /b 500"]);
  });

  test("a selector matching many resources", async () => {
    const { result } = await logql('{service_name="many", k8s_pod_name=~"p-.*"}', { limit: 1000, direction: "forward" });
    expect(result).toHaveLength(70);
    expect(result.map((g: any) => g.values[0][1])).toEqual(Array.from({ length: 70 }, (_, i) => `pod ${i}`));
    expect(result[69].stream).toEqual({ k8s_pod_name: "p-69", service_name: "many" });
  });

  test("a discovered service_name is found by an equality matcher", async () => {
    const { result } = await logql('{service_name="sidecar"}');
    expect(result).toEqual([{ stream: { k8s_container_name: "sidecar", service_name: "sidecar" }, structuredMetadata: { detected_level: "unknown", observed_timestamp: String(T0 + 6n * S) }, parsed: {}, values: [[String(T0 + 6n * S), "no service"]] }]);
  });

  test("limit and direction", async () => {
    const { result } = await logql('{service_name=~"api|db"}', { limit: 2, direction: "forward" });
    expect(result.flatMap((g: any) => g.values.map((v: string[]) => v[1]))).toEqual(["GET /a 200", "GET /b 500"]);
  });

  test("a metric query over the same source", async () => {
    const { type, result } = await logql('sum by (detected_level) (count_over_time({service_name=~"api|db"}[1m]))', { stepNs: String(10n * S), evalStartNs: String(T0 + 10n * S) });
    expect(type).toBe("matrix");
    expect(Object.fromEntries(result.map((s: any) => [s.metric.detected_level, s.values[0][1]]))).toEqual({ error: "1", info: "1", unknown: "1", warn: "1" });
  });
});
