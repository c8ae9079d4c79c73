/**
 * What reaches Parquet is what was sent: traces, logs and metrics from the real
 * OpenTelemetry exporters (gRPC, HTTP/protobuf, HTTP/JSON) and the reference payloads go
 * through the running system, are flushed, and every row read back from the Parquet files
 * with DuckDB equals the decoded request — every column, attribute types included.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { OTLPLogExporter as LogsGrpc } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPLogExporter as LogsJson } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as LogsProto } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as MetricsGrpc } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPMetricExporter as MetricsJson } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as MetricsProto } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as TracesGrpc } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as TracesJson } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as TracesProto } from "@opentelemetry/exporter-trace-otlp-proto";
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { RecordBatch } from "apache-arrow";
import { filledColumnsSql, openDuckDB } from "../shared/duckdb/index.ts";
import { FlightClient } from "../shared/flight/index.ts";
import { decodeExport } from "../shared/otlp/index.ts";
import { TABLE_SCHEMAS, type TableName } from "../shared/tables/index.ts";
import { exportOnce, expectSuccess, makeLogRecords, makeMetrics, makeSpans } from "./helpers/acceptor-otel.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./helpers/role-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const dir = tempDir("fidelity");
const storage = join(dir, "data");
let cluster: RoleProcess;

/** Rows as comparable text: every column but batch_id, bigints marked, sorted. */
function canonicalRows(table: TableName, rows: Array<Record<string, unknown>>): string[] {
  const columns = TABLE_SCHEMAS[table].fields.map((f) => f.name).filter((name) => name !== "batch_id");
  return rows
    .map((row) =>
      JSON.stringify(columns.map((c) => {
        const v = row[c];
        return typeof v === "bigint" ? `${v}n` : v === undefined ? null : v;
      })),
    )
    .sort();
}

function decodedRows(table: TableName, body: Uint8Array, format: "protobuf" | "json"): Array<Record<string, unknown>> {
  const decoded = decodeExport(table, body, format, "expected");
  expect(decoded.rejected).toBe(0);
  const batch = decoded.batch as RecordBatch;
  return batch.toArray().map((row) => row.toJSON() as Record<string, unknown>);
}

async function parquetRows(table: TableName, bucket: string): Promise<Array<Record<string, unknown>>> {
  const duck = await openDuckDB();
  try {
    // Read as every reader does: a column a file left out at its default reads as the default.
    const files = `'${storage}/default/${bucket}/${table}/*/*/*.parquet'`;
    const schemas = (await duck.connection.runAndReadAll(`SELECT file_name, name FROM parquet_schema(${files})`)).getRows() as [string, string][];
    const fileCount = new Set(schemas.map(([file]) => file)).size;
    const presence = (column: string) => {
      const holding = schemas.filter(([, name]) => name === column).length;
      return holding === fileCount ? "all" : holding === 0 ? "none" : "some";
    };
    const scan = filledColumnsSql(table, `read_parquet(${files}, hive_partitioning = false, union_by_name = true)`, presence);
    const reader = await duck.connection.runAndReadAll(`SELECT * FROM ${scan}`);
    return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
  } finally {
    duck.close();
  }
}

beforeAll(async () => {
  cluster = await startRoleProcess("monolith", roleEnv({ SIGNALBOX_STORAGE_PATH: storage, SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h" }));
});

afterAll(async () => {
  await cluster?.kill();
});

describe("the real OpenTelemetry exporters, over gRPC, HTTP/protobuf and HTTP/JSON", () => {
  // One bucket per transport: the acceptor derives the batch id from the request, so the same
  // export sent twice into one bucket would rightly be stored once.
  const TRANSPORTS = ["grpc", "proto", "json"] as const;
  const expected: Record<TableName, Array<Record<string, unknown>>> = { traces: [], logs: [], metrics: [] };

  test("every export is acknowledged", async () => {
    const grpc = `http://${cluster.addresses["acceptor.grpc"]}`;
    const http = `http://${cluster.addresses["acceptor.http"]}`;
    const spans = await makeSpans(20);
    const logs = await makeLogRecords(20);
    const metrics = await makeMetrics(5);
    const { Metadata } = await import("@grpc/grpc-js");
    const metadata = new Metadata();
    metadata.set("x-signalbox-bucket", "exporters-grpc");
    const headers = (transport: string) => ({ "X-Signalbox-Bucket": `exporters-${transport}` });

    expectSuccess(await exportOnce(new TracesGrpc({ url: grpc, metadata }), spans));
    expectSuccess(await exportOnce(new TracesProto({ url: `${http}/v1/traces`, headers: headers("proto") }), spans));
    expectSuccess(await exportOnce(new TracesJson({ url: `${http}/v1/traces`, headers: headers("json") }), spans));
    expectSuccess(await exportOnce(new LogsGrpc({ url: grpc, metadata }), logs));
    expectSuccess(await exportOnce(new LogsProto({ url: `${http}/v1/logs`, headers: headers("proto") }), logs));
    expectSuccess(await exportOnce(new LogsJson({ url: `${http}/v1/logs`, headers: headers("json") }), logs));
    expectSuccess(await exportOnce(new MetricsGrpc({ url: grpc, metadata }), metrics));
    expectSuccess(await exportOnce(new MetricsProto({ url: `${http}/v1/metrics`, headers: headers("proto") }), metrics));
    expectSuccess(await exportOnce(new MetricsJson({ url: `${http}/v1/metrics`, headers: headers("json") }), metrics));

    // What the exporters put on the wire, decoded.
    expected.traces = decodedRows("traces", ProtobufTraceSerializer.serializeRequest(spans)!, "protobuf");
    expected.logs = decodedRows("logs", ProtobufLogsSerializer.serializeRequest(logs)!, "protobuf");
    expected.metrics = decodedRows("metrics", ProtobufMetricsSerializer.serializeRequest(metrics)!, "protobuf");
    await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
  });

  for (const table of ["traces", "logs", "metrics"] as const) {
    for (const transport of TRANSPORTS) {
      test(`${table} over ${transport}: Parquet holds exactly the rows sent, every column intact`, async () => {
        expect(expected[table].length).toBeGreaterThan(0);
        expect(canonicalRows(table, await parquetRows(table, `exporters-${transport}`))).toEqual(canonicalRows(table, expected[table]));
      });
    }
  }
});

describe("the reference payloads", () => {
  for (const [table, file] of [["traces", "trace.json"], ["logs", "logs.json"], ["metrics", "metrics.json"]] as const) {
    test(`${file}: ingested and stored field by field`, async () => {
      const body = await Bun.file(join(import.meta.dir, "fixtures/otlp", file)).bytes();
      const response = await fetch(`http://${cluster.addresses["acceptor.http"]}/v1/${table}`, {
        method: "POST",
        headers: { "content-type": "application/json", "X-Signalbox-Bucket": "reference" },
        body,
      });
      expect(response.status).toBe(200);
      await new FlightClient(cluster.addresses["writer.flight"]!).action("flush", {});
      const expectedRows = decodedRows(table, body, "json");
      expect(expectedRows.length).toBeGreaterThan(0);
      expect(canonicalRows(table, await parquetRows(table, "reference"))).toEqual(canonicalRows(table, expectedRows));
    });
  }
});
