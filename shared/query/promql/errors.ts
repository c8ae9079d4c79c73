import { QueryError, type QueryErrorCode } from "../errors.ts";

/**
 * Prometheus's API error classes and the HTTP status each is answered with: `bad_data` for a query
 * that does not parse or type-check, `execution` for one that fails while running (including the
 * sample limit), `timeout`/`canceled` when it was stopped.
 */
export type PromErrorType = "bad_data" | "execution" | "timeout" | "canceled" | "internal";

const STATUS: Record<PromErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 499,
  internal: 500,
};

const CODE: Record<PromErrorType, QueryErrorCode> = {
  bad_data: "INVALID_ARGUMENT",
  execution: "INVALID_ARGUMENT",
  timeout: "DEADLINE_EXCEEDED",
  canceled: "DEADLINE_EXCEEDED",
  internal: "INTERNAL",
};

export class PromQLError extends QueryError {
  readonly errorType: PromErrorType;
  /** HTTP status Prometheus answers this error with. */
  readonly httpStatus: number;
  /** 0-based offset in the query of a parse error. */
  readonly position?: number;

  constructor(errorType: PromErrorType, message: string, position?: number) {
    super(CODE[errorType], message);
    this.name = "PromQLError";
    this.errorType = errorType;
    this.httpStatus = STATUS[errorType];
    this.position = position;
  }
}

/** A parse or type error at `position`, worded as Prometheus words it: `1:5: parse error: …`. */
export function parseError(query: string, position: number, message: string): PromQLError {
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < position && i < query.length; i++) {
    if (query[i] === "\n") {
      line++;
      lastBreak = i;
    }
  }
  return new PromQLError("bad_data", `${line}:${position - lastBreak}: parse error: ${message}`, position);
}

/** The sample limit: Prometheus's wording, answered 422. */
/** Marks the series-limit refusal so the router can count the org's limit hit. */
export const SERIES_LIMIT_KEY = "limits.max_query_series";

/** Mimir's refusal of a query fetching more series than its tenant may (422, as an execution error). */
export function tooManySeries(limit: number): PromQLError {
  return new PromQLError("execution", `the query exceeded the maximum number of series (limit: ${limit}, ${SERIES_LIMIT_KEY}); narrow the selectors or the time range`);
}

export function tooManySamples(): PromQLError {
  return new PromQLError("execution", "query processing would load too many samples into memory in query execution");
}
