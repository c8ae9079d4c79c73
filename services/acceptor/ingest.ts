/**
 * The ingest pipeline shared by OTLP/HTTP and OTLP/gRPC, so both front ends decode,
 * authorise and store exactly alike: tenancy → decode (one protobuf/JSON decoder) →
 * sink.write (skipped when nothing was accepted) → ExportXServiceResponse with
 * partial_success. Every failure leaves here as an IngestError carrying the gRPC status
 * and the HTTP status the client must see.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { Logger } from "../../shared/log/index.ts";
import type { TableName } from "../../shared/tables/index.ts";
import {
  decodeExport, encodeExportResponse, OtlpDecodeError, timeWindowAround, type DecodedExport, type DecodeOptions, type OtlpFormat,
} from "../../shared/otlp/index.ts";
import { SnappyTooLargeError } from "../../shared/remote-write/index.ts";
import { grpcToHttpStatus } from "../../shared/flight/index.ts";
import { IngestLimits, LimitExceededError, retryAfterSeconds } from "../../shared/limits/index.ts";
import { TenancyError, type Tenant, type TenantCredentials, type TenantResolver } from "../../shared/tenancy/index.ts";
import { requestBatchId } from "./batch-id.ts";
import { SinkRejectedError, SinkUnavailableError, type BatchSink } from "./sink.ts";
import type { AcceptorStats, IngestOutcome, Transport } from "./stats.ts";

export class IngestError extends Error {
  override readonly name = "IngestError";
  readonly httpStatus: number;
  /** Set for retryable failures: HTTP Retry-After (whole seconds), gRPC RetryInfo (this). */
  readonly retryAfterMs?: number;
  constructor(
    readonly outcome: Exclude<IngestOutcome, "ok" | "partial">,
    readonly grpcCode: GrpcStatus,
    message: string,
    options: { httpStatus?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.httpStatus = options.httpStatus ?? grpcToHttpStatus(grpcCode);
    this.retryAfterMs = options.retryAfterMs;
  }

  get retryAfterSeconds(): number | undefined {
    return this.retryAfterMs === undefined ? undefined : retryAfterSeconds(this.retryAfterMs);
  }
}

/** Anything thrown past the pipeline's own errors is a bug or an outage: INTERNAL / 500. */
export function asIngestError(err: unknown): IngestError {
  if (err instanceof IngestError) return err;
  return new IngestError("internal", GrpcStatus.INTERNAL, `internal error: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}

export interface IngestRequest {
  tenant: Tenant;
  signal: TableName;
  format: OtlpFormat;
  /** The decompressed request body (already checked against max_body_bytes). */
  body: Uint8Array;
  /** Epoch ms by which the batch must be durable. */
  deadline: number;
  transport: Transport;
  /**
   * Decodes a body that is not an OTLP export request (Prometheus remote write); throws
   * OtlpDecodeError for a body it cannot read. Absent: the OTLP decoder for `signal`/`format`.
   */
  decode?: (body: Uint8Array, batchId: string, options: DecodeOptions) => DecodedExport;
}

export interface IngestResult {
  batchId: string;
  accepted: number;
  rejected: number;
  rejectReason?: string;
  /** The encoded ExportXServiceResponse, in the request's format. */
  response: Uint8Array | string;
}

export interface IngestPipeline {
  /** Throws IngestError (invalid / unauthenticated / forbidden). */
  resolveTenant(credentials: TenantCredentials): Tenant;
  /** Counts a success; throws IngestError, which the transport hands to `recordFailure`. */
  ingest(req: IngestRequest): Promise<IngestResult>;
  /** Counts and logs a failed request, whichever step failed (transport or pipeline). */
  recordFailure(signal: TableName, transport: Transport, err: IngestError): void;
  /** Counts an OTLP/HTTP request that arrived gzip-compressed. */
  recordGzip(signal: TableName): void;
}

export interface IngestPipelineOptions {
  sink: BatchSink;
  /** Request size and ingest rate per org, checked before a byte is decoded. */
  limits: IngestLimits;
  resolveTenant: TenantResolver;
  stats: AcceptorStats;
  log: Logger;
  /**
   * How far record times may lie before / after the acceptor's clock (ms; 0 = only the
   * int64 range bounds that side): `acceptor.max_time_age` / `acceptor.max_time_ahead`.
   */
  maxTimeAgeMs?: number;
  maxTimeAheadMs?: number;
}

const TENANCY_STATUS = {
  invalid: ["invalid", GrpcStatus.INVALID_ARGUMENT],
  unauthenticated: ["unauthenticated", GrpcStatus.UNAUTHENTICATED],
  forbidden: ["forbidden", GrpcStatus.PERMISSION_DENIED],
} as const;

export function createIngestPipeline(options: IngestPipelineOptions): IngestPipeline {
  const { sink, stats, log } = options;

  return {
    recordFailure(signal, transport, err) {
      stats.request(signal, transport, err.outcome);
      // Client mistakes are the client's to fix (and could flood the log); our own trouble is not.
      const level = err.outcome === "internal" ? "error" : err.httpStatus >= 500 || err.outcome === "rejected" ? "warn" : "info";
      log[level]("ingest.failed", {
        signal,
        transport,
        outcome: err.outcome,
        status: err.httpStatus,
        reason: err.message,
        ...(err.outcome === "internal" && err.cause ? { cause: err.cause } : {}),
      });
    },

    recordGzip: (signal) => stats.gzipRequest(signal),

    resolveTenant(credentials) {
      try {
        return options.resolveTenant(credentials, "ingest");
      } catch (err) {
        if (!(err instanceof TenancyError)) throw err;
        const [outcome, code] = TENANCY_STATUS[err.kind];
        throw new IngestError(outcome, code, err.message);
      }
    },

    async ingest(req) {
      const { signal, transport, tenant } = req;
      admit(options.limits, tenant.orgId, req.body.byteLength);
      const batchId = requestBatchId(tenant.orgId, tenant.bucket, signal, req.body);
      const attributeLimits = options.limits.attributeLimits(tenant.orgId);
      const timeWindow = timeWindowAround(Date.now(), options.maxTimeAgeMs ?? 0, options.maxTimeAheadMs ?? 0, TIME_KEYS);
      const decoded = decode(req, batchId, { ...ACCEPTOR_DECODE, attributeLimits, timeWindow });
      if (decoded instanceof IngestError) throw decoded;
      options.limits.recordAttributeRefusals(tenant.orgId, attributeLimits);
      stats.decoded(signal, req.body.byteLength, decoded.rejected);

      if (decoded.batch && decoded.accepted > 0) {
        try {
          await sink.write({ ...tenant, table: signal, batchId, batch: decoded.batch, deadline: req.deadline });
        } catch (err) {
          const failure = sinkFailure(err);
          // Our outage, not the client's traffic: its retry must not find the org throttled.
          if (failure.outcome === "unavailable") options.limits.refund(tenant.orgId, req.body.byteLength);
          throw failure;
        }
        stats.stored(signal, decoded.accepted);
      }

      stats.request(signal, transport, decoded.rejected > 0 ? "partial" : "ok");
      if (decoded.rejected > 0) {
        const { accepted, rejected, rejectReason: reason } = decoded;
        log.info("ingest.partial", { signal, transport, batchId, accepted, rejected, reason });
      }
      const response = encodeExportResponse(signal, { rejected: decoded.rejected, rejectReason: decoded.rejectReason }, req.format);
      return { batchId, accepted: decoded.accepted, rejected: decoded.rejected, rejectReason: decoded.rejectReason, response };
    },
  };
}

/**
 * How the acceptor decodes (the ingest benchmark's decode-only ceiling uses the same): the
 * Flight wire form, spans with their dedicated attribute columns (computed here once, from the
 * typed values, rather than from the attribute JSON by every writer flush and live search).
 */
export const ACCEPTOR_DECODE: DecodeOptions = { wireForm: true, dedicated: true };

/** How rejections name the keys that set the window. */
const TIME_KEYS = { age: "acceptor.max_time_age", ahead: "acceptor.max_time_ahead" };

function decode(req: IngestRequest, batchId: string, options: DecodeOptions) {
  try {
    // The Flight wire form: the writers take it as it is, and it is a third smaller to send.
    return req.decode ? req.decode(req.body, batchId, options) : decodeExport(req.signal, req.body, req.format, batchId, options);
  } catch (err) {
    if (err instanceof OtlpDecodeError) {
      return new IngestError("invalid", GrpcStatus.INVALID_ARGUMENT, err.message, { cause: err });
    }
    if (err instanceof SnappyTooLargeError) {
      return new IngestError("too_large", GrpcStatus.RESOURCE_EXHAUSTED, err.message, { httpStatus: 413, cause: err });
    }
    throw err;
  }
}

function admit(limits: IngestLimits, orgId: string, bytes: number): void {
  try {
    limits.admit(orgId, bytes);
  } catch (err) {
    if (!(err instanceof LimitExceededError)) throw err;
    // OTLP: 429 / RESOURCE_EXHAUSTED with RetryInfo is retried after the delay; without
    // RetryInfo (a request that can never fit) RESOURCE_EXHAUSTED is final, like 413.
    if (err.retryAfterMs === undefined) {
      throw new IngestError("too_large", GrpcStatus.RESOURCE_EXHAUSTED, err.message, { httpStatus: 413, cause: err });
    }
    throw new IngestError("throttled", GrpcStatus.RESOURCE_EXHAUSTED, err.message, { retryAfterMs: err.retryAfterMs, cause: err });
  }
}

function sinkFailure(err: unknown): IngestError {
  if (err instanceof SinkUnavailableError) {
    return new IngestError("unavailable", GrpcStatus.UNAVAILABLE, `storage unavailable: ${err.message}`, {
      retryAfterMs: err.retryAfterSeconds * 1000,
      cause: err,
    });
  }
  if (err instanceof SinkRejectedError) {
    return new IngestError("rejected", err.status, `storage rejected the batch: ${err.message}`, { cause: err });
  }
  return new IngestError("internal", GrpcStatus.INTERNAL, `storage write failed: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}
