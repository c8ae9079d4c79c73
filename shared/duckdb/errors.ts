/** A record batch that does not fit the table it is appended to. */
export class SchemaMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemaMismatchError";
  }
}

/**
 * A value spliced into DuckDB SQL holds a NUL byte, which SQL text cannot carry. It comes
 * from a query's own text (a TraceQL string, a tag or label name): the asker's mistake.
 */
export class NulInSqlTextError extends Error {
  constructor(what: string) {
    super(`${what} contains a NUL byte (U+0000), which a query cannot match`);
    this.name = "NulInSqlTextError";
  }
}
