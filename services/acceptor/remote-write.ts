/**
 * Prometheus remote write 1.0 on the OTLP/HTTP port: POST /api/v1/write (and /api/v1/push, the
 * path Mimir and Cortex agents use). Same pipeline as OTLP — tenancy, one decoder, the
 * writers' quorum-fsynced WAL before the answer — and the answers Prometheus's senders act
 * on: 204 when stored; 400 (final) with the reason for a body that is not a snappy
 * WriteRequest or holds series that cannot be stored (the valid ones are stored, as
 * Prometheus does); 413 past `acceptor.max_body_bytes` (compressed or inflated); 415 for
 * another content type, encoding or remote write 2.0; 429/5xx (retried) when storage cannot
 * take the batch. Error bodies are plain text, as Prometheus writes them.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { decodeRemoteWrite } from "../../shared/remote-write/index.ts";
import { BUCKET_HEADER, ORG_HEADER } from "../../shared/tenancy/index.ts";
import { asIngestError, IngestError, type IngestPipeline } from "./ingest.ts";

export const REMOTE_WRITE_PATHS: ReadonlySet<string> = new Set(["/api/v1/write", "/api/v1/push"]);

export interface RemoteWriteOptions {
  pipeline: IngestPipeline;
  /** `acceptor.max_body_bytes`: the limit on the inflated WriteRequest. */
  maxBodyBytes: number;
  writeTimeoutMs: number;
}

export function createRemoteWriteHandler(options: RemoteWriteOptions): (request: Request) => Promise<Response> {
  const { pipeline, maxBodyBytes } = options;
  return async (request) => {
    try {
      checkHeaders(request);
      const tenant = pipeline.resolveTenant({
        authorization: request.headers.get("authorization"),
        orgId: request.headers.get(ORG_HEADER),
        bucket: request.headers.get(BUCKET_HEADER),
      });
      const body = await readCompressed(request, snappyLimit(maxBodyBytes));
      const result = await pipeline.ingest({
        tenant,
        signal: "metrics",
        format: "protobuf",
        body,
        deadline: Date.now() + options.writeTimeoutMs,
        transport: "http",
        decode: (compressed, batchId, { timeWindow }) => decodeRemoteWrite(compressed, batchId, maxBodyBytes, { wireForm: true, timeWindow }),
      });
      if (result.rejected > 0) return text(400, result.rejectReason ?? `rejected ${result.rejected} samples`);
      return new Response(null, { status: 204 });
    } catch (err) {
      const error = asIngestError(err);
      pipeline.recordFailure("metrics", "http", error);
      const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
      if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
      return new Response(`${error.message}\n`, { status: error.httpStatus, headers });
    }
  };
}

/** Remote write 1.0 only: protobuf WriteRequest, snappy (senders older than 2.x send no encoding). */
function checkHeaders(request: Request): void {
  const [mediaType, ...params] = (request.headers.get("content-type") ?? "").split(";").map((p) => p.trim().toLowerCase());
  const proto = params.find((p) => p.startsWith("proto="))?.slice(6);
  if (mediaType !== "application/x-protobuf" || (proto !== undefined && proto !== "prometheus.writerequest")) {
    throw unsupported(`unsupported Content-Type "${request.headers.get("content-type") ?? ""}" (expected application/x-protobuf: remote write 1.0, prometheus.WriteRequest)`);
  }
  const encoding = (request.headers.get("content-encoding") ?? "snappy").trim().toLowerCase();
  if (encoding !== "snappy") throw unsupported(`unsupported Content-Encoding "${encoding}" (expected snappy)`);
}

function unsupported(message: string): IngestError {
  return new IngestError("unsupported", GrpcStatus.INVALID_ARGUMENT, message, { httpStatus: 415 });
}

export async function readCompressed(request: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new IngestError("too_large", GrpcStatus.RESOURCE_EXHAUSTED, `request body over the limit of ${limit} compressed bytes`, { httpStatus: 413 });
  if (Number(request.headers.get("content-length") ?? 0) > limit) throw tooLarge();
  const body = await request.bytes();
  if (body.byteLength > limit) throw tooLarge();
  return body;
}

/** The largest snappy block that inflates to `limit` bytes (snappy's worst case). */
export function snappyLimit(limit: number): number {
  return 32 + limit + Math.ceil(limit / 6);
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
