/**
 * The one error type of the Flight layer. Server handlers throw it to choose the gRPC status
 * the client sees; the client turns every failure (gRPC status, connection loss, deadline,
 * bad payload) into it, so callers branch on `.code` / `.isUnavailable` and never on text.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";

export type GrpcStatusName = keyof typeof GrpcStatus;

const NAMES: readonly GrpcStatusName[] = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
  "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
];

/** Accepts a status number or name ("NOT_FOUND"); anything unknown becomes UNKNOWN (2). */
export function statusCode(code: number | string): number {
  if (typeof code === "number") return Number.isInteger(code) && code >= 0 && code < NAMES.length ? code : GrpcStatus.UNKNOWN;
  const byName = NAMES.indexOf(code.toUpperCase() as GrpcStatusName);
  return byName >= 0 ? byName : GrpcStatus.UNKNOWN;
}

export function statusName(code: number): GrpcStatusName {
  return NAMES[code] ?? "UNKNOWN";
}

/** Trailing metadata a Signalbox Flight server puts on the errors its handlers raise. */
export const ANSWERED_METADATA_KEY = "x-signalbox-answered";

export class FlightError extends Error {
  /** gRPC status number (`@grpc/grpc-js` `status`). */
  readonly code: number;
  readonly codeName: GrpcStatusName;
  /**
   * The peer's handler raised it: the peer is alive and answered. An UNAVAILABLE it sends
   * (its own dependency is down) is no reason to mark the peer suspect.
   */
  readonly answeredByPeer: boolean;

  constructor(code: number | string, message: string, options?: { cause?: unknown; answeredByPeer?: boolean }) {
    super(message, options);
    this.name = "FlightError";
    this.code = statusCode(code);
    this.codeName = statusName(this.code);
    this.answeredByPeer = options?.answeredByPeer ?? false;
  }

  /**
   * The peer could not be reached or went away (refused, reset, killed): the caller should
   * mark the instance suspect and try another. A deadline is NOT counted here — a slow query
   * is not a dead instance; see `isDeadlineExceeded`.
   */
  get isUnavailable(): boolean {
    return this.code === GrpcStatus.UNAVAILABLE;
  }

  get isDeadlineExceeded(): boolean {
    return this.code === GrpcStatus.DEADLINE_EXCEEDED;
  }

  /** Worth retrying elsewhere or later (the OTLP retryable set: 503, 504, 429). */
  get isRetryable(): boolean {
    return this.isUnavailable || this.isDeadlineExceeded || this.code === GrpcStatus.RESOURCE_EXHAUSTED;
  }

  /**
   * Normalises anything thrown by grpc-js (a ServiceError: numeric `code`, `details`,
   * `metadata`), by a handler, or by our own code into a FlightError. Any other error becomes
   * `fallback` (INTERNAL by default) with its message kept — a numeric `code` on some other
   * library's error is deliberately NOT read as a gRPC status.
   */
  static from(err: unknown, fallback: number | string = GrpcStatus.INTERNAL): FlightError {
    if (err instanceof FlightError) return err;
    if (isServiceError(err)) {
      const message = err.details !== "" ? err.details : messageOf(err);
      const answeredByPeer = metadataHas(err.metadata, ANSWERED_METADATA_KEY);
      return new FlightError(err.code, message, { cause: err, answeredByPeer });
    }
    return new FlightError(fallback, messageOf(err), { cause: err });
  }
}

function metadataHas(metadata: unknown, key: string): boolean {
  const get = (metadata as { get?: (key: string) => unknown[] } | null)?.get;
  return typeof get === "function" && get.call(metadata, key).length > 0;
}

function isServiceError(err: unknown): err is { code: number; details: string; metadata: unknown } {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; details?: unknown; metadata?: unknown };
  return typeof e.code === "number" && typeof e.details === "string" && "metadata" in e;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") {
    return (err as { message: string }).message;
  }
  return String(err);
}
