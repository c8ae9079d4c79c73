/**
 * Signals: the OTLP ↔ Arrow boundary.
 * - ingest: decodeExport (OTLP protobuf / JSON request → RecordBatch of a signal table,
 *   optionally in the Flight wire form: repeated columns as dictionaries; toPlainBatch undoes it),
 *   encodeExportResponse, encodeStatus;
 * - query: tracesToOtlp / logsToOtlp (rows → OTLP/JSON), encodeTracesProtobuf / encodeLogsProtobuf;
 * - the embedded OTLP .proto sources and their protobufjs Root (for gRPC and encoders).
 * The table contract itself lives in tables.ts.
 */
export { decodeExport, type DecodeOptions } from "./decode-export.ts";
export {
  contractColumns, contractSchemaOf, hasDictionaryColumns, REPEATED_COLUMNS, toPlainBatch, wireSchema, wireSchemaProblem, WireFormError,
} from "./wire-form.ts";
export { OtlpDecodeError } from "./errors.ts";
export { decodeRemoteWrite, decodeRemoteWriteProtobuf, REMOTE_WRITE_METADATA_TYPE, REMOTE_WRITE_SAMPLE_TYPE } from "./decode-remote-write.ts";
export { snappyCompress, snappyUncompress, SnappyError, SnappyTooLargeError } from "./snappy.ts";
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
export * from "./tables.ts";
export { DEDICATED_COLUMNS, DEDICATED_SPAN_ATTRIBUTES } from "./dedicated-attributes.ts";
export { DedicatedValues, hasDedicatedColumns, withDedicatedColumns, withDedicatedSchema } from "./dedicated-columns.ts";
