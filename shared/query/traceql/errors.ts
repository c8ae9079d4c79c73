import { QueryError } from "../errors.ts";

/** A TraceQL syntax or type error: where it happened and what the parser expected there. */
export class TraceQLError extends QueryError {
  /** 0-based character offset in the query. */
  readonly position: number;
  readonly expected: string;

  constructor(problem: string, position: number, expected: string) {
    super("INVALID_ARGUMENT", `TraceQL: ${problem} at position ${position}; expected ${expected}`);
    this.name = "TraceQLError";
    this.position = position;
    this.expected = expected;
  }
}
