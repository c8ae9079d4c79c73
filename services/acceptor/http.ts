/**
 * OTLP/HTTP (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST /v1/{traces,logs,metrics}
 * (and Prometheus remote write and Loki push on the same port: remote-write.ts, loki-push.ts)
 * with a protobuf or JSON body, optionally gzip. Failures answer with a google.rpc.Status body
 * in the request's format, and the status codes OTLP clients act on: 400 is final, 429/503
 * are retried (503 carries Retry-After).
 *
 * An unsupported Content-Encoding answers 415: RFC 9110 §15.5.16 names 415 for a content
 * coding the server does not accept (the OTel Collector says 400; both are final for clients).
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { opsResponse, type Readiness } from "../../shared/lifecycle/index.ts";
import { MetricsRegistry } from "../../shared/metrics/index.ts";
import type { TableName } from "../../shared/tables/index.ts";
import { encodeStatus, type OtlpFormat } from "../../shared/otlp/index.ts";
import { BUCKET_HEADER, ORG_HEADER } from "../../shared/tenancy/index.ts";
import {
  AFTER_DECOMPRESSION,
  BadCompressionError,
  BodyTooLargeError,
  compressedLimit,
  parseContentEncoding,
  readBody,
  UnsupportedEncodingError,
  type BodyEncoding,
} from "./body.ts";
import { asIngestError, IngestError, type IngestPipeline } from "./ingest.ts";
import { createLokiPushHandler, LOKI_PUSH_PATH } from "./loki-push.ts";
import { createRemoteWriteHandler, REMOTE_WRITE_PATHS } from "./remote-write.ts";

const ROUTES: Record<string, TableName> = { "/v1/traces": "traces", "/v1/logs": "logs", "/v1/metrics": "metrics" };

const CONTENT_TYPES: Record<OtlpFormat, string> = { protobuf: "application/x-protobuf", json: "application/json" };

export interface OtlpHttpOptions {
  pipeline: IngestPipeline;
  maxBodyBytes: number;
  writeTimeoutMs: number;
  /** What `/ready` answers: ready, and degraded with the reason when serving from a stale view. */
  readiness: () => Readiness;
  /** Rendered on GET /metrics (the role's registry); absent → /metrics is not served. */
  metrics?: MetricsRegistry;
}

const NO_METRICS = new MetricsRegistry();

export function createOtlpHttpHandler(options: OtlpHttpOptions): (request: Request) => Promise<Response> {
  const { pipeline } = options;

  const handleExport = async (request: Request, signal: TableName): Promise<Response> => {
    const format = parseFormat(request.headers.get("content-type"));
    if (!format) {
      const error = new IngestError(
        "unsupported",
        GrpcStatus.INVALID_ARGUMENT,
        `unsupported Content-Type "${request.headers.get("content-type") ?? ""}" (expected application/x-protobuf or application/json)`,
        { httpStatus: 415 },
      );
      pipeline.recordFailure(signal, "http", error);
      return errorResponse(error, "json");
    }
    try {
      const encoding = bodyEncoding(request);
      if (encoding === "gzip") pipeline.recordGzip(signal);
      const tenant = pipeline.resolveTenant({
        authorization: request.headers.get("authorization"),
        orgId: request.headers.get(ORG_HEADER),
        bucket: request.headers.get(BUCKET_HEADER),
      });
      const body = await readLimited(request, encoding, options.maxBodyBytes);
      const result = await pipeline.ingest({
        tenant,
        signal,
        format,
        body,
        deadline: Date.now() + options.writeTimeoutMs,
        transport: "http",
      });
      return new Response(result.response, { status: 200, headers: { "content-type": CONTENT_TYPES[format] } });
    } catch (err) {
      const error = asIngestError(err);
      pipeline.recordFailure(signal, "http", error);
      return errorResponse(error, format);
    }
  };

  const remoteWrite = createRemoteWriteHandler(options);
  const lokiPush = createLokiPushHandler(options);

  return async (request) => {
    const path = new URL(request.url).pathname;
    if (REMOTE_WRITE_PATHS.has(path)) {
      if (request.method !== "POST") return methodNotAllowed(request.method, "POST");
      return remoteWrite(request);
    }
    if (path === LOKI_PUSH_PATH) {
      if (request.method !== "POST") return methodNotAllowed(request.method, "POST");
      return lokiPush(request);
    }
    const signal = ROUTES[path];
    if (signal) {
      if (request.method !== "POST") return methodNotAllowed(request.method, "POST");
      return handleExport(request, signal);
    }
    if (path === "/healthz" || path === "/ready" || (path === "/metrics" && options.metrics)) {
      if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed(request.method, "GET, HEAD");
      return opsResponse(path, options.metrics ?? NO_METRICS, options.readiness)!;
    }
    return errorResponse(new IngestError("invalid", GrpcStatus.NOT_FOUND, `no route ${path}`, { httpStatus: 404 }), "json");
  };
}

export function bodyEncoding(request: Request): BodyEncoding {
  try {
    return parseContentEncoding(request.headers.get("content-encoding"));
  } catch (err) {
    if (!(err instanceof UnsupportedEncodingError)) throw err;
    throw new IngestError("unsupported", GrpcStatus.INVALID_ARGUMENT, err.message, { httpStatus: 415 });
  }
}

export async function readLimited(request: Request, encoding: BodyEncoding, limit: number): Promise<Uint8Array> {
  // A declared length over the limit is refused before a byte is read.
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const wireLimit = encoding === "gzip" ? compressedLimit(limit) : limit;
  try {
    if (declared > wireLimit) throw new BodyTooLargeError(limit, AFTER_DECOMPRESSION);
    // A declared length within the limit bounds the body (the HTTP parser enforces it), so an
    // uncompressed body is read in one native call instead of chunk by chunk and joined.
    if (encoding === "identity" && Number.isSafeInteger(declared) && declared >= 0) return await request.bytes();
    return await readBody(request.body, encoding, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new IngestError("too_large", GrpcStatus.RESOURCE_EXHAUSTED, err.message, { httpStatus: 413 });
    }
    if (err instanceof BadCompressionError) {
      throw new IngestError("invalid", GrpcStatus.INVALID_ARGUMENT, err.message);
    }
    throw err;
  }
}

/** `application/x-protobuf` (or `application/protobuf`) and `application/json`, parameters ignored. */
export function parseFormat(contentType: string | null): OtlpFormat | undefined {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/x-protobuf" || mediaType === "application/protobuf") return "protobuf";
  if (mediaType === "application/json") return "json";
  return undefined;
}

function errorResponse(error: IngestError, format: OtlpFormat): Response {
  const headers: Record<string, string> = { "content-type": CONTENT_TYPES[format] };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  return new Response(encodeStatus(error.grpcCode, error.message, format, error.retryAfterMs), { status: error.httpStatus, headers });
}

function methodNotAllowed(method: string, allow: string): Response {
  const error = new IngestError("invalid", GrpcStatus.UNIMPLEMENTED, `method ${method} not allowed (allowed: ${allow})`, {
    httpStatus: 405,
  });
  const response = errorResponse(error, "json");
  response.headers.set("allow", allow);
  return response;
}
