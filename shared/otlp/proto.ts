/**
 * The OTLP v1 .proto sources (embedded as text, so compiled binaries carry them) and one
 * protobufjs Root built from them. The Root is used for encoding (responses, query answers,
 * JSON requests re-encoded to protobuf) and by gRPC loaders; the ingest hot path decodes the
 * wire format by hand (see wire-reader.ts) for speed and exact 64-bit values.
 */
import protobuf from "protobufjs";
import commonProto from "../../proto/opentelemetry/proto/common/v1/common.proto" with { type: "text" };
import resourceProto from "../../proto/opentelemetry/proto/resource/v1/resource.proto" with { type: "text" };
import traceProto from "../../proto/opentelemetry/proto/trace/v1/trace.proto" with { type: "text" };
import logsProto from "../../proto/opentelemetry/proto/logs/v1/logs.proto" with { type: "text" };
import metricsProto from "../../proto/opentelemetry/proto/metrics/v1/metrics.proto" with { type: "text" };
import traceServiceProto from "../../proto/opentelemetry/proto/collector/trace/v1/trace_service.proto" with { type: "text" };
import logsServiceProto from "../../proto/opentelemetry/proto/collector/logs/v1/logs_service.proto" with { type: "text" };
import metricsServiceProto from "../../proto/opentelemetry/proto/collector/metrics/v1/metrics_service.proto" with { type: "text" };
import type { TableName } from "../tables/index.ts";

/** Import path (as written in `import` statements) → source text, in dependency order. */
export const OTLP_PROTO_SOURCES: Readonly<Record<string, string>> = {
  "opentelemetry/proto/common/v1/common.proto": commonProto,
  "opentelemetry/proto/resource/v1/resource.proto": resourceProto,
  "opentelemetry/proto/trace/v1/trace.proto": traceProto,
  "opentelemetry/proto/logs/v1/logs.proto": logsProto,
  "opentelemetry/proto/metrics/v1/metrics.proto": metricsProto,
  "opentelemetry/proto/collector/trace/v1/trace_service.proto": traceServiceProto,
  "opentelemetry/proto/collector/logs/v1/logs_service.proto": logsServiceProto,
  "opentelemetry/proto/collector/metrics/v1/metrics_service.proto": metricsServiceProto,
};

let root: protobuf.Root | undefined;

/** The OTLP Root (snake_case field names: `keepCase`). Built once, on first use. */
export function otlpRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // One common root: cross-file references resolve by fully-qualified name, so the
  // `import` statements need no file system.
  for (const source of Object.values(OTLP_PROTO_SOURCES)) protobuf.parse(source, r, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

const PACKAGE: Record<TableName, string> = {
  traces: "opentelemetry.proto.collector.trace.v1.ExportTrace",
  logs: "opentelemetry.proto.collector.logs.v1.ExportLogs",
  metrics: "opentelemetry.proto.collector.metrics.v1.ExportMetrics",
};

export function exportRequestType(signal: TableName): protobuf.Type {
  return otlpRoot().lookupType(`${PACKAGE[signal]}ServiceRequest`);
}

export function exportResponseType(signal: TableName): protobuf.Type {
  return otlpRoot().lookupType(`${PACKAGE[signal]}ServiceResponse`);
}

/** gRPC method path of each signal's Export call. */
export const OTLP_GRPC_EXPORT_PATHS: Readonly<Record<TableName, string>> = {
  traces: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  logs: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
  metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
};
