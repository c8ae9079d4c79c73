/**
 * Bodies the acceptor answers with: ExportXServiceResponse (success, possibly partial) and
 * google.rpc.Status (OTLP/HTTP errors). Protobuf for protobuf requests, JSON for JSON ones.
 */
import protobuf from "protobufjs";
import { exportResponseType } from "./proto.ts";
import type { TableName } from "../tables/index.ts";
import type { OtlpFormat } from "./types.ts";

/** The per-signal name of the partial-success counter (snake_case field; JSON camelCase). */
const REJECTED_FIELD: Record<TableName, [snake: string, camel: string]> = {
  traces: ["rejected_spans", "rejectedSpans"],
  logs: ["rejected_log_records", "rejectedLogRecords"],
  metrics: ["rejected_data_points", "rejectedDataPoints"],
};

export interface ExportOutcome {
  rejected: number;
  rejectReason?: string | undefined;
}

/**
 * ExportXServiceResponse. `partial_success` is set only when something was rejected or
 * there is a message: a fully successful export answers an empty response, as OTLP requires.
 */
export function encodeExportResponse(signal: TableName, outcome: ExportOutcome, format: OtlpFormat): Uint8Array<ArrayBuffer> | string {
  const partial = outcome.rejected > 0 || (outcome.rejectReason !== undefined && outcome.rejectReason !== "");
  const [snake, camel] = REJECTED_FIELD[signal];
  if (format === "json") {
    if (!partial) return "{}";
    const body: Record<string, string> = {};
    if (outcome.rejected > 0) body[camel] = String(outcome.rejected); // int64 → decimal string in JSON
    if (outcome.rejectReason) body.errorMessage = outcome.rejectReason;
    return JSON.stringify({ partialSuccess: body });
  }
  if (!partial) return new Uint8Array(0);
  const type = exportResponseType(signal);
  const message = type.fromObject({ partial_success: { [snake]: outcome.rejected, error_message: outcome.rejectReason ?? "" } });
  return type.encode(message).finish() as Uint8Array<ArrayBuffer>;
}

/**
 * google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
 * — the OTLP/HTTP error body, and (protobuf) gRPC's `grpc-status-details-bin` trailer.
 * `retryDelayMs` adds a google.rpc.RetryInfo detail: OTLP clients retry RESOURCE_EXHAUSTED only
 * when it is there, after the delay it names. Written by hand: three small messages do not
 * justify embedding google/rpc/status.proto.
 */
export function encodeStatus(code: number, message: string, format: OtlpFormat, retryDelayMs?: number): Uint8Array<ArrayBuffer> | string {
  if (format === "json") {
    if (retryDelayMs === undefined) return JSON.stringify({ code, message });
    return JSON.stringify({ code, message, details: [{ "@type": RETRY_INFO_TYPE, retryDelay: `${retryDelayMs / 1000}s` }] });
  }
  const w = protobuf.Writer.create();
  if (code !== 0) w.uint32((1 << 3) | 0).int32(code);
  if (message !== "") w.uint32((2 << 3) | 2).string(message);
  if (retryDelayMs !== undefined) w.uint32((3 << 3) | 2).bytes(retryInfoAny(retryDelayMs));
  return w.finish() as Uint8Array<ArrayBuffer>;
}

const RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";

/** Any { type_url, value: RetryInfo { retry_delay: Duration { seconds, nanos } } }. */
function retryInfoAny(delayMs: number): Uint8Array {
  const ms = Math.max(0, Math.ceil(delayMs));
  const duration = protobuf.Writer.create();
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms % 1000) * 1_000_000;
  if (seconds !== 0) duration.uint32((1 << 3) | 0).int64(seconds);
  if (nanos !== 0) duration.uint32((2 << 3) | 0).int32(nanos);
  const retryInfo = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(duration.finish()).finish();
  return protobuf.Writer.create()
    .uint32((1 << 3) | 2)
    .string(RETRY_INFO_TYPE)
    .uint32((2 << 3) | 2)
    .bytes(retryInfo)
    .finish();
}
