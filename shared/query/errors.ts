/**
 * The one error type of query planning and execution. It carries both the HTTP status the
 * router answers with and the gRPC status name the querier's Flight server sends, so neither
 * layer has to guess from message text.
 */
export type QueryErrorCode =
  | "INVALID_ARGUMENT"
  | "PERMISSION_DENIED"
  | "NOT_FOUND"
  | "RESOURCE_EXHAUSTED"
  | "DEADLINE_EXCEEDED"
  | "UNAVAILABLE"
  | "INTERNAL";

const HTTP_STATUS: Record<QueryErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  // The query asks for more than its bounds allow (memory, result size): retrying the same
  // query cannot help, so not 429, which clients retry.
  RESOURCE_EXHAUSTED: 422,
  DEADLINE_EXCEEDED: 504,
  // Overloaded (every slot busy) or a dependency down: retry later.
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class QueryError extends Error {
  /** gRPC status name: `new FlightError(err.code, err.message)` maps it 1:1. */
  readonly code: QueryErrorCode;
  /** HTTP status for `{ "error": message, "status": N }` answers. */
  readonly status: number;

  constructor(code: QueryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "QueryError";
    this.code = code;
    this.status = HTTP_STATUS[code];
  }

  static invalid(message: string, options?: { cause?: unknown }): QueryError {
    return new QueryError("INVALID_ARGUMENT", message, options);
  }
}
