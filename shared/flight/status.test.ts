import { describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { FlightError, statusCode, statusName } from "./errors.ts";
import { grpcToHttpStatus } from "./status.ts";

describe("grpc status → HTTP", () => {
  test("the contract of docs/architecture.md §3", () => {
    expect(grpcToHttpStatus(status.INVALID_ARGUMENT)).toBe(400);
    expect(grpcToHttpStatus(status.UNAUTHENTICATED)).toBe(401);
    expect(grpcToHttpStatus(status.PERMISSION_DENIED)).toBe(403);
    expect(grpcToHttpStatus(status.NOT_FOUND)).toBe(404);
    expect(grpcToHttpStatus(status.RESOURCE_EXHAUSTED)).toBe(429);
    expect(grpcToHttpStatus(status.UNAVAILABLE)).toBe(503);
    expect(grpcToHttpStatus(status.DEADLINE_EXCEEDED)).toBe(504);
  });
  test("the documented choices and the default", () => {
    expect(grpcToHttpStatus("FAILED_PRECONDITION")).toBe(400);
    expect(grpcToHttpStatus("ALREADY_EXISTS")).toBe(409);
    expect(grpcToHttpStatus("UNIMPLEMENTED")).toBe(501);
    expect(grpcToHttpStatus("INTERNAL")).toBe(500);
    expect(grpcToHttpStatus(status.DATA_LOSS)).toBe(500);
    expect(grpcToHttpStatus(99)).toBe(500);
  });
});

describe("FlightError", () => {
  test("takes a status name or number", () => {
    expect(new FlightError("not_found", "x").code).toBe(status.NOT_FOUND);
    expect(new FlightError(14, "x").codeName).toBe("UNAVAILABLE");
    expect(new FlightError(14, "x").isUnavailable).toBe(true);
    expect(new FlightError("DEADLINE_EXCEEDED", "x").isUnavailable).toBe(false);
    expect(new FlightError("DEADLINE_EXCEEDED", "x").isRetryable).toBe(true);
    expect(statusCode("nonsense")).toBe(status.UNKNOWN);
    expect(statusName(16)).toBe("UNAUTHENTICATED");
  });
  test("from(): grpc ServiceErrors keep their status; other errors become INTERNAL", () => {
    const serviceError = Object.assign(new Error("14 UNAVAILABLE: gone"), { code: 14, details: "gone", metadata: {} });
    expect(FlightError.from(serviceError).codeName).toBe("UNAVAILABLE");
    expect(FlightError.from(serviceError).message).toBe("gone");
    const other = Object.assign(new Error("nats said no"), { code: 503 });
    expect(FlightError.from(other).codeName).toBe("INTERNAL");
    expect(FlightError.from("plain").message).toBe("plain");
  });
});
