import { QueryError } from "../errors.ts";

/** A LogQL syntax error: where it happened and what the parser expected there. */
export class LogQLError extends QueryError {
  /** 0-based character offset in the query. */
  readonly position: number;
  readonly expected: string;

  constructor(problem: string, position: number, expected: string) {
    super("INVALID_ARGUMENT", `LogQL: ${problem} at position ${position}; expected ${expected}`);
    this.name = "LogQLError";
    this.position = position;
    this.expected = expected;
  }
}
