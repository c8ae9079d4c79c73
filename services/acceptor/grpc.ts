/**
 * OTLP/gRPC: the three collector `Export` methods. Requests are registered with identity
 * deserializers, so grpc-js hands over the raw (already decompressed) protobuf bytes and
 * the same decoder as OTLP/HTTP reads them: one decode path. grpc-js itself enforces
 * `grpc.max_receive_message_length` after decompression (RESOURCE_EXHAUSTED), which is
 * what bounds a gzip bomb here.
 */
import * as grpc from "@grpc/grpc-js";
import { TABLE_NAMES, type TableName } from "../../shared/tables/index.ts";
import { encodeStatus, OTLP_GRPC_EXPORT_PATHS } from "../../shared/otlp/index.ts";
import { asIngestError, type IngestError, type IngestPipeline } from "./ingest.ts";

export interface OtlpGrpcOptions {
  pipeline: IngestPipeline;
  maxBodyBytes: number;
  writeTimeoutMs: number;
}

const raw = (bytes: Buffer): Buffer => bytes;

function serviceDefinition(signal: TableName): grpc.ServiceDefinition {
  return {
    Export: {
      path: OTLP_GRPC_EXPORT_PATHS[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
    },
  };
}

export function createOtlpGrpcServer(options: OtlpGrpcOptions): grpc.Server {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.maxBodyBytes,
    "grpc.max_send_message_length": 4 * 1024 * 1024,
  });
  for (const signal of TABLE_NAMES) {
    server.addService(serviceDefinition(signal), { Export: exportHandler(signal, options) });
  }
  return server;
}

function exportHandler(signal: TableName, options: OtlpGrpcOptions): grpc.handleUnaryCall<Buffer, Buffer> {
  const { pipeline } = options;
  return (call, callback) => {
    const run = async (): Promise<Buffer> => {
      const tenant = pipeline.resolveTenant({
        authorization: firstString(call.metadata, "authorization"),
        orgId: firstString(call.metadata, "x-scope-orgid"),
        bucket: firstString(call.metadata, "x-signalbox-bucket"),
      });
      const result = await pipeline.ingest({
        tenant,
        signal,
        format: "protobuf",
        body: call.request,
        deadline: Math.min(Date.now() + options.writeTimeoutMs, clientDeadline(call)),
        transport: "grpc",
      });
      return toBuffer(result.response);
    };
    run().then(
      (response) => callback(null, response),
      (err: unknown) => {
        const error = asIngestError(err);
        pipeline.recordFailure(signal, "grpc", error);
        callback({ code: error.grpcCode, details: error.message, metadata: statusDetails(error) });
      },
    );
  };
}

/** RetryInfo in `grpc-status-details-bin`: how OTLP/gRPC tells a client when to retry. */
function statusDetails(error: IngestError): grpc.Metadata | undefined {
  if (error.retryAfterMs === undefined) return undefined;
  const metadata = new grpc.Metadata();
  metadata.set("grpc-status-details-bin", toBuffer(encodeStatus(error.grpcCode, error.message, "protobuf", error.retryAfterMs)));
  return metadata;
}

function firstString(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === "string" ? value : undefined;
}

/** The client's own deadline (grpc-timeout), as epoch ms; Infinity when it set none. */
function clientDeadline(call: grpc.ServerUnaryCall<Buffer, Buffer>): number {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(ms) ? ms : Infinity;
}

function toBuffer(body: Uint8Array | string): Buffer {
  return typeof body === "string" ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
