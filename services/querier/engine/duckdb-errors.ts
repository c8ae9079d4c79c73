/**
 * DuckDB failures → QueryError. DuckDB names its error class at the start of the message
 * ("Binder Error: ..."), which is the only structured signal the node API exposes.
 */
import { NulInSqlTextError } from "../../../shared/duckdb/index.ts";
import { QueryError } from "../../../shared/query/index.ts";

export interface ErrorContext {
  /** The statement came from the user (SQL API): syntax / binding problems are theirs (400). */
  userSql: boolean;
  /** Our deadline fired and interrupted the connection. */
  timedOut: boolean;
  timeoutMs: number;
}

const USER_ERROR_CLASSES = [
  "Parser Error",
  "Binder Error",
  "Catalog Error",
  "Conversion Error",
  "Invalid Input Error",
  "Out of Range Error",
  "Not implemented Error",
  "Syntax Error",
];

export function toQueryError(err: unknown, ctx: ErrorContext): QueryError {
  if (err instanceof QueryError) return err;
  if (err instanceof NulInSqlTextError) return QueryError.invalid(err.message, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  if (ctx.timedOut || /^INTERRUPT Error/i.test(message)) {
    return new QueryError("DEADLINE_EXCEEDED", `query exceeded its time limit of ${ctx.timeoutMs} ms`, { cause: err });
  }
  if (/^Permission Error/i.test(message)) {
    return new QueryError("PERMISSION_DENIED", `access denied: ${firstLine(message)}`, { cause: err });
  }
  if (/^Out of Memory Error/i.test(message)) {
    return new QueryError("RESOURCE_EXHAUSTED", `query ran out of memory: ${firstLine(message)}`, { cause: err });
  }
  // Regex syntax in TraceQL / LogQL surfaces as Invalid Input Error from RE2: the user's fault.
  const isUserClass = USER_ERROR_CLASSES.some((c) => message.startsWith(c));
  if (ctx.userSql ? isUserClass : /^Invalid Input Error/.test(message)) {
    return QueryError.invalid(firstLine(message), { cause: err });
  }
  return new QueryError("INTERNAL", `query failed: ${firstLine(message)}`, { cause: err });
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
