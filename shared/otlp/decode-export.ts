/**
 * The acceptor's entry point: one OTLP export request body → one Arrow RecordBatch.
 */
import type { Schema } from "apache-arrow";
import { decodeLogsProtobuf } from "./decode-logs.ts";
import { decodeMetricsProtobuf } from "./decode-metrics.ts";
import { decodeTracesProtobuf } from "./decode-traces.ts";
import { OtlpDecodeError } from "./errors.ts";
import { INT64_TIME_WINDOW, TimeCheck, type TimeWindow } from "./limits.ts";
import { otlpJsonToProtobuf } from "./json-to-protobuf.ts";
import { exportRequestType } from "./proto.ts";
import { TABLE_SCHEMAS, wireSchema, withDedicatedSchema, type TableName } from "../tables/index.ts";
import type { AttributeLimits } from "./attribute-limits.ts";
import type { DecodedExport, DecodedRows, OtlpFormat } from "./types.ts";

const DECODERS: Record<TableName, (body: Uint8Array, batchId: string, schema: Schema, times: TimeCheck, limits?: AttributeLimits) => DecodedRows> = {
  traces: decodeTracesProtobuf,
  logs: decodeLogsProtobuf,
  metrics: decodeMetricsProtobuf,
};

/** What `rejected` counts, in the words of the OTLP partial_success field. */
const UNIT: Record<TableName, string> = { traces: "spans", logs: "log records", metrics: "data points" };

const utf8 = new TextDecoder("utf-8");

export interface DecodeOptions {
  /**
   * Build the Flight wire form (wire-form.ts): the columns repeated per resource, scope or
   * request as dictionaries. Cheaper to build and several times smaller for the repeated
   * columns; consumers of the table contract expand it with `toPlainBatch`.
   */
  wireForm?: boolean;
  /**
   * Spans also get the dedicated attribute columns (dedicated-attributes.ts), filled while the
   * attributes are decoded: far cheaper here, from the typed protobuf values, than parsing the
   * attribute JSON again wherever they are needed (the writer's flush, the querier's live rows).
   */
  dedicated?: boolean;
  /**
   * Where the times of stored records must lie (limits.ts); records outside are rejected
   * (partial success). Default: any non-negative int64, i.e. what the columns can hold.
   */
  timeWindow?: TimeWindow;
  /** Refuse records over these attribute limits (counted in partial success); none when absent. */
  attributeLimits?: AttributeLimits;
}

/**
 * Decodes an ExportTraceServiceRequest / ExportLogsServiceRequest /
 * ExportMetricsServiceRequest body. Throws OtlpDecodeError when the body is undecodable
 * (→ HTTP 400 / gRPC INVALID_ARGUMENT): malformed, integers outside their type's range in
 * JSON, values nested too deep. Records that decode but cannot be stored (bad ids, times
 * outside the window, counts beyond their column) are dropped and counted instead.
 */
export function decodeExport(signal: TableName, body: Uint8Array, format: OtlpFormat, batchId: string, options: DecodeOptions = {}): DecodedExport {
  const wire = format === "json" ? jsonBodyToProtobuf(signal, body) : body;
  const table = options.wireForm ? wireSchema(signal) : TABLE_SCHEMAS[signal];
  const schema = options.dedicated && signal === "traces" ? withDedicatedSchema(table) : table;
  const times = new TimeCheck(options.timeWindow ?? INT64_TIME_WINDOW);
  const { batch, accepted, rejected } = DECODERS[signal](wire, batchId, schema, times, options.attributeLimits);
  const rejectReason = rejected.message(UNIT[signal]);
  return rejectReason === undefined
    ? { batch, accepted, rejected: rejected.count }
    : { batch, accepted, rejected: rejected.count, rejectReason };
}

function jsonBodyToProtobuf(signal: TableName, body: Uint8Array): Uint8Array {
  let doc: unknown;
  try {
    doc = JSON.parse(utf8.decode(body));
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  return otlpJsonToProtobuf(exportRequestType(signal), doc);
}
