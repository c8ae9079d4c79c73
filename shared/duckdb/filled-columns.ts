/**
 * A scan of Parquet files as the table contract has them: a column a file left out because
 * every row held its default (shared/tables/file-defaults.ts) reads as that default. Columns
 * some files have read by name (`union_by_name`, NULL where missing) and are coalesced with
 * the default (the contract forbids NULL in them, so a NULL can only be a missing column);
 * columns no file has are the default itself. Nullable columns default to NULL, which the
 * by-name scan gives already.
 *
 * The other columns pass through as they are, so filters on them still reach the scan.
 */
import type { Field } from "apache-arrow";
import { FILE_COLUMN_DEFAULTS, TABLE_SCHEMAS, type OmittedValue, type TableName } from "../tables/index.ts";
import { quoteIdent, quoteLiteral } from "./sql.ts";
import { sqlTypeOf } from "./types.ts";

/** Which of the files hold a column. */
export type ColumnPresence = "all" | "some" | "none";

/**
 * `scan` (a table expression over files, by name when their schemas differ) with the
 * table's left-out columns filled; `carry` names virtual columns (file_index,
 * file_row_number) the caller reads through it. `scan` itself when nothing is missing.
 */
export function filledColumnsSql(table: TableName, scan: string, presence: (column: string) => ColumnPresence, carry: readonly string[] = []): string {
  const replaced: string[] = [];
  const added: string[] = [];
  for (const [name, value] of FILE_COLUMN_DEFAULTS[table]) {
    const where = presence(name);
    if (where === "all" || (where === "some" && value === null)) continue;
    const field = TABLE_SCHEMAS[table].fields.find((f) => f.name === name)!;
    const fill = defaultSql(field, value);
    if (where === "some") replaced.push(`coalesce(${quoteIdent(name)}, ${fill}) AS ${quoteIdent(name)}`);
    else added.push(`${fill} AS ${quoteIdent(name)}`);
  }
  if (replaced.length === 0 && added.length === 0) return scan;
  const star = replaced.length === 0 ? "*" : `* REPLACE (${replaced.join(", ")})`;
  return `(SELECT ${[star, ...added, ...carry.map(quoteIdent)].join(", ")} FROM ${scan})`;
}

/** The default as a typed SQL literal. */
export function defaultSql(field: Field, value: OmittedValue): string {
  const type = sqlTypeOf(field);
  if (value === null) return `NULL::${type}`;
  if (typeof value === "string") return quoteLiteral(value);
  return type === "BOOLEAN" ? "false" : `0::${type}`;
}
