/**
 * Where accepted batches go. The acceptor only knows this interface: the real write path
 * (shard lookup, parallel writes to every replica, quorum, retry within the deadline) sits
 * behind it, so the OTLP front end never changes when the write path does.
 */
import type { status as GrpcStatus } from "@grpc/grpc-js";
import type { BatchWrite } from "../../shared/writepath/index.ts";

/**
 * One accepted export: its tenant, table, request-derived batch id (the unit the writers
 * dedupe on), the rows in the Flight wire form (shared/tables/wire-form.ts) and the epoch-ms
 * deadline past which the sink gives up with SinkUnavailableError. The write path's own shape.
 */
export type SinkWriteRequest = BatchWrite;

export interface BatchSink {
  /** Resolves once the batch is durable on a write quorum. */
  write(req: SinkWriteRequest): Promise<void>;
}

/**
 * Retryable: no quorum could be reached before the deadline. Clients see HTTP 503 with
 * Retry-After, or gRPC UNAVAILABLE, and retry with the same payload.
 */
export class SinkUnavailableError extends Error {
  override readonly name = "SinkUnavailableError";
  constructor(
    message: string,
    /** Seconds a client should wait before retrying. */
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

/**
 * The writers refused the batch (not a transient failure of reaching them). `status` is the
 * gRPC status code the writer answered with (the write path speaks Flight), passed through
 * so the client sees the writer's reason: e.g. INVALID_ARGUMENT → HTTP 400,
 * RESOURCE_EXHAUSTED → HTTP 429 (retryable for OTLP clients).
 */
export class SinkRejectedError extends Error {
  override readonly name = "SinkRejectedError";
  constructor(
    readonly status: GrpcStatus,
    message: string,
  ) {
    super(message);
  }
}
