import { afterAll, beforeAll, expect, test } from "bun:test";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../duckdb/index.ts";
import {
  DETECTED_LEVEL_SQL,
  LOKI_PUSH_SCHEMA_URL,
  LokiEntryReader,
  levelOfLine,
  streamLabelSql,
  structuredMetadataSql,
  type LokiLogFields,
} from "./index.ts";

const attrs = (o: Record<string, unknown>) =>
  JSON.stringify(
    Object.entries(o).map(([key, v]) => ({
      key,
      value: typeof v === "string" ? { stringValue: v } : typeof v === "number" ? { intValue: String(v) } : v,
    })),
  );

const row: LokiLogFields = {
  serviceName: "checkout",
  resourceAttributes: attrs({ "service.name": "checkout", "k8s.pod.name": "pod-1", "host.name": "h1", "deployment.environment": "prod" }),
  resourceSchemaUrl: "",
  timeUnixNano: 1_700_000_000_000_000_000n,
  observedTimeUnixNano: 1_700_000_000_100_000_000n,
  severityNumber: 13,
  severityText: "WARNING",
  body: JSON.stringify({ stringValue: "payment slow" }),
  attributes: attrs({ "http.status_code": 503, user: "ann", labels: { kvlistValue: { values: [{ key: "team", value: { stringValue: "pay" } }] } } }),
  droppedAttributesCount: 0,
  flags: 1,
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  eventName: "",
  scopeName: "my.logger",
  scopeVersion: "",
  scopeAttributes: "[]",
  scopeDroppedAttributesCount: 0,
};

test("an OTLP row: indexed resource attributes are labels, the rest structured metadata", () => {
  const e = new LokiEntryReader().read(row);
  expect(e.labels).toEqual({ deployment_environment: "prod", k8s_pod_name: "pod-1", service_name: "checkout" });
  expect(e.line).toBe("payment slow");
  expect(e.metadata).toEqual({
    http_status_code: "503",
    user: "ann",
    labels_team: "pay",
    observed_timestamp: "1700000000100000000",
    severity_number: "13",
    severity_text: "WARNING",
    flags: "1",
    trace_id: "0af7651916cd43dd8448eb211c80319c",
    span_id: "b7ad6b7169203331",
    host_name: "h1",
    scope_name: "my.logger",
    detected_level: "warn",
  });
});

test("service_name falls back to a discovered label, then unknown_service; map bodies are plain JSON", () => {
  const reader = new LokiEntryReader();
  const noService = { ...row, serviceName: "", resourceAttributes: attrs({ "k8s.container.name": "api" }) };
  expect(reader.read(noService).labels).toEqual({ k8s_container_name: "api", service_name: "api" });
  expect(reader.read({ ...row, serviceName: "", resourceAttributes: "[]" }).labels).toEqual({ service_name: "unknown_service" });
  const body = JSON.stringify({ kvlistValue: { values: [{ key: "a", value: { intValue: "1" } }] } });
  expect(reader.read({ ...row, body }).line).toBe('{"a":1}');
});

test("Loki push rows: every resource attribute is a label, attributes are the metadata as pushed", () => {
  const pushed = { ...row, resourceSchemaUrl: LOKI_PUSH_SCHEMA_URL, resourceAttributes: attrs({ job: "varlogs", service_name: "checkout" }), attributes: attrs({ traceID: "abc" }) };
  const e = new LokiEntryReader().read(pushed);
  expect(e.labels).toEqual({ job: "varlogs", service_name: "checkout" });
  expect(e.metadata).toEqual({ traceID: "abc", detected_level: "unknown" });
});

test("detected_level from the line as Loki reads it", () => {
  expect(levelOfLine('{"level":"ERR","msg":"x"}')).toBe("error");
  expect(levelOfLine('{"log":{"severity":"debug"}}')).toBe("debug");
  expect(levelOfLine("ts=1 lvl=wrn msg=hi")).toBe("warn");
  expect(levelOfLine("2024-01-01 [ERROR] disk full, then info")).toBe("error");
  expect(levelOfLine("misc:error happened")).toBe("unknown");
  expect(levelOfLine("nothing here")).toBe("unknown");
});

let db: DuckDBHandle;
beforeAll(async () => {
  db = await openDuckDB(":memory:", { config: { threads: "1" } });
});
afterAll(() => db.close());

test("the SQL expressions agree with the JS model", async () => {
  const cols = `SELECT ${quoteLiteral(row.serviceName)} AS service_name, ${quoteLiteral(row.resourceAttributes)} AS resource_attributes,
    '' AS resource_schema_url, ${row.timeUnixNano}::BIGINT AS time_unix_nano, ${row.observedTimeUnixNano}::BIGINT AS observed_time_unix_nano,
    ${row.severityNumber} AS severity_number, ${quoteLiteral(row.severityText)} AS severity_text, ${quoteLiteral(row.body)} AS body,
    ${quoteLiteral(row.attributes)} AS attributes, 0 AS dropped_attributes_count, 1::BIGINT AS flags, ${quoteLiteral(row.traceId)} AS trace_id,
    ${quoteLiteral(row.spanId)} AS span_id, '' AS event_name, 'my.logger' AS scope_name, '' AS scope_version, '[]' AS scope_attributes,
    0 AS scope_dropped_attributes_count`;
  const reader = await db.connection.runAndReadAll(`SELECT ${streamLabelSql("k8s_pod_name")}, ${streamLabelSql("host_name")}, ${streamLabelSql("service_name")},
    ${structuredMetadataSql("http_status_code")}, ${structuredMetadataSql("host_name")}, ${structuredMetadataSql("trace_id")},
    ${structuredMetadataSql("scope_name")}, ${structuredMetadataSql("nope")}, ${DETECTED_LEVEL_SQL} FROM (${cols})`);
  expect(reader.getRows()[0]).toEqual(["pod-1", null, "checkout", "503", "h1", row.traceId, "my.logger", null, "warn"]);
});
