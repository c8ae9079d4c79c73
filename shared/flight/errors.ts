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

export class FlightError extends Error {
  /** gRPC status number (`@grpc/grpc-js` `status`). */
  readonly code: number;
  readonly codeName: GrpcStatusName;
  /**
   * Structured facts a caller may act on (e.g. the epoch of a refusing writer's shard map).
   * They travel as the call's trailing metadata, so nobody parses them out of the message.
   */
  readonly facts: Readonly<Record<string, string>>;

  /** When waiting helps (a rate limit): sent to the client as google.rpc.RetryInfo. */
  readonly retryAfterMs?: number;

  constructor(code: number | string, message: string, options?: { cause?: unknown; facts?: Record<string, string>; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.name = "FlightError";
    this.code = statusCode(code);
    this.codeName = statusName(this.code);
    this.facts = options?.facts ?? {};
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
      return new FlightError(err.code, message, { cause: err, facts: factsOf(err.metadata) });
    }
    return new FlightError(fallback, messageOf(err), { cause: err });
  }
}

/** Fact keys are lower-case, as gRPC metadata keys must be; values are text. */
export const FACT_KEY = /^signalbox-[a-z0-9-]+$/;

function factsOf(metadata: unknown): Record<string, string> {
  const getMap = (metadata as { getMap?: () => Record<string, unknown> } | null)?.getMap;
  if (typeof getMap !== "function") return {};
  const facts: Record<string, string> = {};
  for (const [key, value] of Object.entries(getMap.call(metadata))) {
    if (FACT_KEY.test(key) && typeof value === "string") facts[key] = value;
  }
  return facts;
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
