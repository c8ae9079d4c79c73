/**
 * Small signal fixtures for query tests: spans and log records described as plain objects →
 * Arrow record batches in the table contract (live rows) or Parquet files (flushed rows).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeData, RecordBatch, Struct, type Data, type Schema } from "apache-arrow";
import { appendArrow, openDuckDB, quoteLiteral } from "../../shared/duckdb/index.ts";
import { logsSchema, SORT_ORDER, tracesSchema, type TableName, TABLE_SCHEMAS } from "../../shared/tables/index.ts";
import { boolData, float64Data, int32Data, int64Data, utf8Data } from "../../services/querier/engine/arrow-columns.ts";
import { kindOfArrowType } from "../../services/querier/engine/result-to-arrow.ts";

export type AttrValue = string | number | boolean | { double: number } | { int: bigint };

/** OTLP/JSON KeyValue list text, as the acceptor stores it. */
export function otlpAttributes(attrs: Record<string, AttrValue> = {}): string {
  const kvs = Object.entries(attrs).map(([key, v]) => {
    let value: Record<string, unknown>;
    if (typeof v === "string") value = { stringValue: v };
    else if (typeof v === "boolean") value = { boolValue: v };
    else if (typeof v === "number") value = Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    else if ("double" in v) value = { doubleValue: v.double };
    else value = { intValue: v.int.toString() };
    return { key, value };
  });
  return JSON.stringify(kvs);
}

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  statusCode?: number;
  startNs: bigint;
  durationNs: bigint;
  service?: string;
  attributes?: Record<string, AttrValue>;
  resourceAttributes?: Record<string, AttrValue>;
  batchId?: string;
}

export function spanRow(s: SpanSpec): Record<string, unknown> {
  const resource = { ...(s.service !== undefined ? { "service.name": s.service } : {}), ...s.resourceAttributes };
  return {
    batch_id: s.batchId ?? "batch-1",
    trace_id: s.traceId,
    span_id: s.spanId,
    parent_span_id: s.parentSpanId ?? "",
    name: s.name,
    kind: s.kind ?? 1,
    start_time_unix_nano: s.startNs,
    end_time_unix_nano: s.startNs + s.durationNs,
    duration_nano: s.durationNs,
    status_code: s.statusCode ?? 0,
    service_name: s.service ?? "",
    attributes: otlpAttributes(s.attributes),
    events: "[]",
    links: "[]",
    resource_attributes: otlpAttributes(resource),
    scope_name: "test.scope",
    scope_version: "1.0.0",
    scope_attributes: "[]",
  };
}

export interface LogSpec {
  timeNs: bigint;
  body: string | Record<string, unknown>;
  service?: string;
  severityText?: string;
  severityNumber?: number;
  resourceAttributes?: Record<string, AttrValue>;
  attributes?: Record<string, AttrValue>;
  traceId?: string;
}

export function logRow(l: LogSpec): Record<string, unknown> {
  const resource = { ...(l.service !== undefined ? { "service.name": l.service } : {}), ...l.resourceAttributes };
  return {
    batch_id: "batch-1",
    time_unix_nano: l.timeNs,
    observed_time_unix_nano: l.timeNs,
    severity_number: l.severityNumber ?? 0,
    severity_text: l.severityText ?? "",
    body: typeof l.body === "string" ? JSON.stringify({ stringValue: l.body }) : JSON.stringify(l.body),
    attributes: otlpAttributes(l.attributes),
    trace_id: l.traceId ?? "",
    service_name: l.service ?? "",
    resource_attributes: otlpAttributes(resource),
    scope_attributes: "[]",
  };
}

/** Rows (missing columns → "" / 0 / null) → one record batch of `schema`. */
export function batchOf(schema: Schema, rows: Record<string, unknown>[]): RecordBatch {
  const children: Data[] = schema.fields.map((f) => {
    const values = rows.map((r) => r[f.name] ?? null);
    const kind = kindOfArrowType(f.type);
    const fill = <T>(zero: T) => values.map((v) => (v === null && !f.nullable ? zero : v));
    switch (kind) {
      case "utf8":
        return utf8Data(fill("") as (string | null)[]);
      case "int64":
        return int64Data(fill(0n) as (bigint | null)[]);
      case "int32":
        return int32Data(fill(0) as (number | null)[]);
      case "float64":
        return float64Data(fill(0) as (number | null)[]);
      case "bool":
        return boolData(fill(false) as (boolean | null)[]);
    }
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

export const spansBatch = (spans: SpanSpec[]) => batchOf(tracesSchema, spans.map(spanRow));
export const logsBatch = (logs: LogSpec[]) => batchOf(logsSchema, logs.map(logRow));

/** A temp directory for one test file; `cleanup()` removes it. */
export function tempDir(prefix = "signalbox-query-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

let fileCounter = 0;

/** Writes batches to `dir/<table>-<n>.parquet` the way the writer does (appender → sorted COPY). */
export async function writeParquet(dir: string, table: TableName, batches: RecordBatch[]): Promise<string> {
  const path = join(dir, `${table}-${++fileCounter}.parquet`);
  const db = await openDuckDB();
  try {
    await appendArrow(db.connection, "rows", batches, TABLE_SCHEMAS[table]);
    await db.connection.run(
      `COPY (FROM rows ORDER BY ${SORT_ORDER[table].join(", ")}) TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  } finally {
    db.close();
  }
  return path;
}

/** A 32-hex trace id from a small number (readable tests). */
export const tid = (n: number) => n.toString(16).padStart(32, "0");
/** A 16-hex span id from a small number. */
export const sid = (n: number) => n.toString(16).padStart(16, "0");
