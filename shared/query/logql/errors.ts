import { QueryError } from "../errors.ts";

/**
 * A LogQL query that cannot run as written (HTTP 400): a syntax error, or a check Loki's
 * parser makes (an aggregation without unwrap, a bad regex…). Names where it happened and,
 * for syntax errors, what the parser expected there.
 */
export class LogQLError extends QueryError {
  /** 0-based character offset in the query. */
  readonly position: number;
  readonly expected: string;

  constructor(problem: string, position: number, expected = "") {
    super("INVALID_ARGUMENT", `LogQL: ${problem} at position ${position}${expected ? `; expected ${expected}` : ""}`);
    this.name = "LogQLError";
    this.position = position;
    this.expected = expected;
  }
}

/**
 * An error while evaluating (too many samples or series, a query range the caller refuses):
 * the query is fine, the data or its size is not. RESOURCE_EXHAUSTED answers 422, as Loki
 * does for its limits, so clients do not retry.
 */
export class LogQLLimitError extends QueryError {
  constructor(message: string) {
    super("RESOURCE_EXHAUSTED", message);
    this.name = "LogQLLimitError";
  }
}
