/**
 * Loki's data model over the `logs` table: which OTLP fields are stream labels, which are
 * structured metadata, `detected_level`, the line — in JavaScript (the reference) and as
 * DuckDB SQL. Used by the querier (LogQL, label endpoints) and the acceptor (Loki push).
 */
export * from "./defaults.ts";
export { lokiLabelName, anyValueText, plainJson, parseAttributes, attributeLabels, type AnyValueJson, type KeyValueJson } from "./label-name.ts";
export { LOKI_LOG_COLUMNS, type LokiLogFields, type LokiResourceFields } from "./log-row.ts";
export { splitResource, ResourceSplitCache, INDEXED_LABEL_KEYS, sortedLabels, type ResourceSplit } from "./stream-labels.ts";
export { structuredMetadata, RECORD_FIELD_METADATA } from "./structured-metadata.ts";
export { detectedLevel, normalizeLevel, levelOfLine } from "./detected-level.ts";
export { logLine } from "./log-line.ts";
export { LokiPushError, parsePushJson, parseLabelSet, pushToOtlpJson, type PushStream, type PushEntry } from "./push.ts";
export { parsePushProtobuf } from "./push-protobuf.ts";
export { LokiEntryReader, type LokiEntry } from "./entry.ts";
export {
  LOKI_TIME_SQL,
  IS_LOKI_PUSH_SQL,
  SERVICE_NAME_SQL,
  DETECTED_LEVEL_SQL,
  attributeTextSql,
  streamLabelSql,
  structuredMetadataSql,
  normalizeLevelSql,
} from "./sql.ts";
export { PLAIN_LOGFMT_BODY, PLAIN_LOGFMT_BARE, PLAIN_LOGFMT_SERVICES_KEY, isPlainLogfmtBody, readPlainLogfmtServices, plainLogfmtServices } from "./plain-logfmt.ts";
