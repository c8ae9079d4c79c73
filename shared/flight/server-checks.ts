/**
 * What a Flight server does around every call, whichever transport carried it (gRPC in
 * server-calls.ts, the monolith's in-process DoPut in in-process.ts): refuse a caller without
 * the cluster secret, and log a failed call by its kind.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { Logger } from "../log/index.ts";
import { FlightError } from "./errors.ts";
import { secretMatches } from "./secret.ts";

/** Throws UNAUTHENTICATED (logged) unless the caller presented the server's secret; no secret set: everyone passes. */
export function authorizeCall(log: Logger, expected: string | undefined, presented: string | undefined, method: string, peer: string): void {
  if (expected === undefined || secretMatches(expected, presented)) return;
  log.warn("flight.auth.rejected", { method, peer });
  throw new FlightError(GrpcStatus.UNAUTHENTICATED, "missing or wrong cluster secret");
}

/** Server faults are errors; refusals of the caller's request are only debug lines. */
export function logCallFailure(log: Logger, error: FlightError, method: string, peer: string): void {
  const fields = { method, code: error.codeName, error: error.message, peer };
  if (error.code === GrpcStatus.INTERNAL || error.code === GrpcStatus.UNKNOWN) log.error("flight.call.failed", fields);
  else log.debug("flight.call.rejected", fields);
}
