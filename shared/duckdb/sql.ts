/** Quoting for the few identifiers and literals we splice into DuckDB SQL. */
import { NulInSqlTextError } from "./errors.ts";

/** A double-quoted identifier; embedded quotes doubled. */
export function quoteIdent(name: string): string {
  if (name.includes("\u0000")) throw new NulInSqlTextError(`the name ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted string literal; embedded quotes doubled. */
export function quoteLiteral(value: string): string {
  if (value.includes("\u0000")) throw new NulInSqlTextError("a string");
  return `'${value.replaceAll("'", "''")}'`;
}
