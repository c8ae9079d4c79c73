/**
 * Prometheus API bodies: `{"status":"success","data":…}` and
 * `{"status":"error","errorType":…,"error":…}` with Prometheus's status codes (400 bad_data,
 * 422 execution, 503 timeout / unavailable, 500 internal). Failures from below the routes
 * (router deadline, querier, tenancy) are classified into those classes here.
 */
import { PromQLError, type PromErrorType } from "../../../../shared/query/promql/index.ts";
import { classifyError } from "../errors.ts";

export function promSuccess(data: unknown, warnings: string[] = []): Response {
  return Response.json(warnings.length > 0 ? { status: "success", data, warnings } : { status: "success", data });
}

export function promError(errorType: PromErrorType | "unavailable" | "forbidden" | "unauthorized", error: string, status: number, headers: Record<string, string> = {}): Response {
  return Response.json({ status: "error", errorType, error }, { status, headers });
}

/** Any failure as Prometheus answers it; undefined for a bug (the app's 500 handler logs it). */
export function promErrorResponse(err: unknown): Response | undefined {
  if (err instanceof PromQLError) return promError(err.errorType, err.message, err.httpStatus);
  const known = classifyError(err);
  if (!known) return undefined;
  if (known.status === 504) return promError("timeout", known.message, 503);
  if (known.status === 401) return promError("unauthorized", known.message, 401, known.headers);
  if (known.status === 403) return promError("forbidden", known.message, 403);
  if (known.status === 503 || known.status === 429) return promError("unavailable", known.message, known.status, known.headers);
  if (known.status < 500) return promError("bad_data", known.message, 400);
  return promError("internal", known.message, 500);
}
