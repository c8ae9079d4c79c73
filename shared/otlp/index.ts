/**
 * The OTLP codec: the OTLP ↔ Arrow boundary.
 * - ingest: decodeExport (OTLP protobuf / JSON request → RecordBatch of a signal table,
 *   optionally in the Flight wire form of shared/tables),
 *   encodeExportResponse, encodeStatus;
 * - query: tracesToOtlp / logsToOtlp (rows → OTLP/JSON), encodeTracesProtobuf / encodeLogsProtobuf;
 * - the embedded OTLP .proto sources and their protobufjs Root (for gRPC and encoders).
 * The table contract itself lives in shared/tables.
 */
export { anyValueText, plainJson, type AnyValueJson, type KeyValueJson } from "./any-value-text.ts";
export { decodeExport, type DecodeOptions } from "./decode-export.ts";
export { OtlpDecodeError } from "./errors.ts";
export { INT64_TIME_WINDOW, MAX_ANYVALUE_DEPTH, timeNsProblem, timeWindowAround, type TimeWindow } from "./limits.ts";
export type { DecodedExport, OtlpFormat } from "./types.ts";
export { encodeExportResponse, encodeStatus, type ExportOutcome } from "./responses.ts";
export {
  encodeLogsProtobuf,
  encodeTracesProtobuf,
  logsToOtlp,
  tracesToOtlp,
  type Int64Value,
  type LogRow,
  type OtlpLogsDocument,
  type OtlpTracesDocument,
  type TraceRow,
} from "./otlp-json.ts";
export { otlpJsonToProtobuf } from "./json-to-protobuf.ts";
export { exportRequestType, exportResponseType, OTLP_GRPC_EXPORT_PATHS, OTLP_PROTO_SOURCES, otlpRoot } from "./proto.ts";
export { AttributeLimits } from "./attribute-limits.ts";
