/**
 * The router's HTTP error answers (`{ error, status }`, ../http/errors.ts) as gRPC statuses,
 * so a streaming client sees what an HTTP client would: INVALID_ARGUMENT for bad TraceQL
 * (with its position), UNAUTHENTICATED / PERMISSION_DENIED for tenancy, and so on.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";

const CODE_BY_HTTP: Record<number, GrpcStatus> = {
  400: GrpcStatus.INVALID_ARGUMENT,
  401: GrpcStatus.UNAUTHENTICATED,
  403: GrpcStatus.PERMISSION_DENIED,
  404: GrpcStatus.NOT_FOUND,
  409: GrpcStatus.ABORTED,
  // A query past its bounds fails the same way again (422), a busy org may retry (429).
  422: GrpcStatus.RESOURCE_EXHAUSTED,
  429: GrpcStatus.RESOURCE_EXHAUSTED,
  499: GrpcStatus.CANCELLED,
  501: GrpcStatus.UNIMPLEMENTED,
  503: GrpcStatus.UNAVAILABLE,
  504: GrpcStatus.DEADLINE_EXCEEDED,
};

export function grpcCodeOfHttp(status: number): GrpcStatus {
  return CODE_BY_HTTP[status] ?? (status >= 500 ? GrpcStatus.INTERNAL : GrpcStatus.UNKNOWN);
}

/** A failure to answer a call with: emitted on the call as `{ code, details }` (FIELD-NOTES). */
export class StreamingError extends Error {
  override readonly name = "StreamingError";
  constructor(
    readonly code: GrpcStatus,
    readonly details: string,
  ) {
    super(details);
  }
}

/** The HTTP answer's error as a StreamingError (its body is the router's `{ error, status }`). */
export async function streamingErrorOf(response: Response): Promise<StreamingError> {
  let message = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string") message = body.error;
  } catch {
    // Not the router's JSON error: the status says enough.
  }
  return new StreamingError(grpcCodeOfHttp(response.status), message);
}
