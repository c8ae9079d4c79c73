/**
 * gRPC status → HTTP status, for the router's JSON errors and the acceptor's OTLP/HTTP
 * answers (docs/architecture.md §3). The listed codes are the contract; the rest follow the canonical
 * google.rpc.Code mapping (also grpc-gateway's):
 * - FAILED_PRECONDITION → 400, not 409: the request cannot succeed as sent (OTLP/HTTP clients
 *   treat 400 as final and do not retry); conflicts proper are ALREADY_EXISTS / ABORTED → 409.
 * - CANCELLED → 499 (client closed request), UNIMPLEMENTED → 501, OUT_OF_RANGE → 400.
 * - UNKNOWN, INTERNAL, DATA_LOSS and anything unrecognised → 500.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { statusCode } from "./errors.ts";

const HTTP_BY_GRPC: Record<number, number> = {
  [GrpcStatus.OK]: 200,
  [GrpcStatus.CANCELLED]: 499,
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.PERMISSION_DENIED]: 403,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 400,
  [GrpcStatus.ABORTED]: 409,
  [GrpcStatus.OUT_OF_RANGE]: 400,
  [GrpcStatus.UNIMPLEMENTED]: 501,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.UNAUTHENTICATED]: 401,
};

/** `code` is a gRPC status number or name. */
export function grpcToHttpStatus(code: number | string): number {
  return HTTP_BY_GRPC[statusCode(code)] ?? 500;
}
