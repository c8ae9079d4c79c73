/**
 * Every failure the query API reports is JSON `{ "error": "<what was wrong>", "status": N }`
 * (docs/architecture.md §3). Handlers throw HttpError; everything else thrown below them (backend, Flight,
 * tenancy) is classified here, and what cannot be classified is a 500.
 */
import { FlightError, grpcToHttpStatus } from "../../../shared/flight/index.ts";
import { QueryError } from "../../../shared/query/index.ts";
import { TenancyError } from "../../../shared/tenancy/index.ts";
import { QueryBackendError } from "./backend.ts";

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. WWW-Authenticate on 401. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);

export interface ErrorBody {
  error: string;
  status: number;
}

export function errorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  const body: ErrorBody = { error: message, status };
  return Response.json(body, { status, headers });
}

const TENANCY_STATUS = { invalid: 400, unauthenticated: 401, forbidden: 403 } as const;

/** Classifies a thrown value; `undefined` means "a bug": answer 500 and log it. */
export function classifyError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  // QueryError: thrown by shared/query (TraceQL/LogQL parse errors, with position) and by an
  // in-process backend; it already carries its HTTP status.
  if (err instanceof QueryBackendError || err instanceof QueryError) return new HttpError(validStatus(err.status), err.message);
  if (err instanceof TenancyError) {
    const status = TENANCY_STATUS[err.kind];
    return new HttpError(status, err.message, status === 401 ? { "WWW-Authenticate": "Bearer" } : {});
  }
  if (err instanceof FlightError) return new HttpError(validStatus(grpcToHttpStatus(err.code)), err.message);
  return undefined;
}

/** A backend that reports a status outside 4xx/5xx is itself broken: never forward 200 or 3xx. */
function validStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}
