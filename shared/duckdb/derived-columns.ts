/**
 * SQL for the derived columns of shared/tables/derived-columns.ts: how a reader of files
 * spells such a column (its stored value, else the sum it is derived from), and how a writer
 * stores it (NULL where the sum gives it).
 */
import { derivedColumn, type TableName } from "../tables/index.ts";
import { quoteIdent } from "./sql.ts";

/** `name` as a select-list item over a file scan of `table`: derived when the file stores NULL. */
export function storedColumnSql(table: TableName, name: string): string {
  const derived = derivedColumn(table, name);
  if (derived === undefined) return quoteIdent(name);
  const [a, b] = derived.sum.map(quoteIdent);
  return `coalesce(${quoteIdent(name)}, ${a} + ${b}) AS ${quoteIdent(name)}`;
}

/**
 * `name` as a select-list item of a file being written from a scan of `table` (itself read
 * through storedColumnSql or holding NULLs only where derivable): NULL where derivable. The
 * sum is compared in 128 bits, so a row whose terms would overflow keeps its value.
 */
export function derivableNullSql(table: TableName, name: string): string {
  const derived = derivedColumn(table, name);
  if (derived === undefined) return quoteIdent(name);
  const [a, b] = derived.sum.map(quoteIdent);
  const column = quoteIdent(name);
  return `CASE WHEN ${column}::HUGEINT = ${a}::HUGEINT + ${b} THEN NULL ELSE ${column} END AS ${column}`;
}
