/**
 * Loki push on the OTLP/HTTP port: `POST /loki/api/v1/push` with Loki's JSON body
 * (`application/json`, optionally gzip) or a snappy-compressed `logproto.PushRequest`
 * (`application/x-protobuf`, what Promtail, Alloy and the Loki clients send). The streams
 * become an OTLP logs request (shared/loki/push.ts) that takes the OTLP path: tenancy
 * (X-Scope-OrgID or a token), ingest limits, the time window, and the answer only once the
 * writers' quorum has fsynced it. Answers as Loki does: 204 when stored, plain-text errors —
 * 400 for a body it cannot read or entries it refused (the others are stored), 413, 415,
 * 429/5xx (retried by clients).
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { LokiPushError, parsePushJson, parsePushProtobuf, pushToOtlpJson, type PushStream } from "../../shared/loki/index.ts";
import { SnappyError, SnappyTooLargeError, snappyUncompress } from "../../shared/remote-write/index.ts";
import { BUCKET_HEADER, ORG_HEADER } from "../../shared/tenancy/index.ts";
import { bodyEncoding, readLimited } from "./http.ts";
import { asIngestError, IngestError } from "./ingest.ts";
import { readCompressed, snappyLimit, type RemoteWriteOptions } from "./remote-write.ts";

export const LOKI_PUSH_PATH = "/loki/api/v1/push";

export function createLokiPushHandler(options: RemoteWriteOptions): (request: Request) => Promise<Response> {
  const { pipeline, maxBodyBytes } = options;
  return async (request) => {
    try {
      const tenant = pipeline.resolveTenant({
        authorization: request.headers.get("authorization"),
        orgId: request.headers.get(ORG_HEADER),
        bucket: request.headers.get(BUCKET_HEADER),
      });
      const streams = await readStreams(request, maxBodyBytes);
      if (!streams.some((s) => s.entries.length > 0)) return new Response(null, { status: 204 });
      const result = await pipeline.ingest({
        tenant,
        signal: "logs",
        format: "json",
        body: new TextEncoder().encode(pushToOtlpJson(streams)),
        deadline: Date.now() + options.writeTimeoutMs,
        transport: "http",
      });
      if (result.rejected > 0) return text(400, result.rejectReason ?? `rejected ${result.rejected} entries`);
      return new Response(null, { status: 204 });
    } catch (err) {
      const error = asIngestError(err);
      pipeline.recordFailure("logs", "http", error);
      const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
      if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
      return new Response(`${error.message}\n`, { status: error.httpStatus, headers });
    }
  };
}

async function readStreams(request: Request, maxBodyBytes: number): Promise<PushStream[]> {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  try {
    if (mediaType === "application/json") {
      const body = await readLimited(request, bodyEncoding(request), maxBodyBytes);
      return parsePushJson(new TextDecoder().decode(body));
    }
    if (mediaType === "application/x-protobuf" || mediaType === "application/protobuf" || mediaType === "") {
      const compressed = await readCompressed(request, snappyLimit(maxBodyBytes));
      return parsePushProtobuf(snappyUncompress(compressed, maxBodyBytes));
    }
  } catch (err) {
    if (err instanceof LokiPushError || err instanceof SnappyError) throw new IngestError("invalid", GrpcStatus.INVALID_ARGUMENT, err.message, { httpStatus: 400 });
    if (err instanceof SnappyTooLargeError) throw new IngestError("too_large", GrpcStatus.RESOURCE_EXHAUSTED, err.message, { httpStatus: 413 });
    throw err;
  }
  throw new IngestError("unsupported", GrpcStatus.INVALID_ARGUMENT, `unsupported Content-Type "${request.headers.get("content-type") ?? ""}" (expected application/json or application/x-protobuf)`, { httpStatus: 415 });
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
