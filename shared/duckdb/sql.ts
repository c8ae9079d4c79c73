/** Quoting for the few identifiers and literals we splice into DuckDB SQL. */

/** A double-quoted identifier; embedded quotes doubled. */
export function quoteIdent(name: string): string {
  if (name.includes("\u0000")) throw new Error(`identifier contains NUL: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted string literal; embedded quotes doubled. */
export function quoteLiteral(value: string): string {
  if (value.includes("\u0000")) throw new Error("string literal contains NUL");
  return `'${value.replaceAll("'", "''")}'`;
}
