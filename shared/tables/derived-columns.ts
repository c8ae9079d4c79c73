/**
 * Columns a Parquet file may store as NULL in the rows where the contract's other columns
 * give their value: a span's end is its start plus its duration (the decoder computes the
 * duration from the two, exactly, in 64 bits), so a compacted span file stores the end only
 * in rows where that does not hold, and NULL (a few bytes per row group) elsewhere.
 *
 * The contract forbids NULL in these columns, so a NULL read from a file can only mean
 * "derive it"; files written before, which store every value, read as they always did.
 * Every reader of files derives them: the querier's SQL over files (shared/duckdb
 * derived-columns.ts, `storedColumnSql`), its point reader (`fillDerived`), compaction
 * (which re-derives before deciding what to store again).
 */
import type { TableName } from "./tables.ts";

/** `column` = `sum[0]` + `sum[1]` (Int64 columns of the same row). */
export interface DerivedColumn {
  column: string;
  sum: readonly [string, string];
}

export const DERIVED_COLUMNS: Readonly<Record<TableName, readonly DerivedColumn[]>> = {
  traces: [{ column: "end_time_unix_nano", sum: ["start_time_unix_nano", "duration_nano"] }],
  logs: [],
  metrics: [],
};

/** The derived column named `name` of `table`, if it is one. */
export function derivedColumn(table: TableName, name: string): DerivedColumn | undefined {
  return DERIVED_COLUMNS[table].find((d) => d.column === name);
}

/**
 * Fills the NULLs of derived columns in rows read from a file, in place: `columns[i]` holds
 * the values of `names[i]`. A derived column is left as it is unless both its terms were read.
 */
export function fillDerived(table: TableName, names: readonly string[], columns: unknown[][]): void {
  for (const { column, sum } of DERIVED_COLUMNS[table]) {
    const at = names.indexOf(column);
    const a = columns[names.indexOf(sum[0])];
    const b = columns[names.indexOf(sum[1])];
    if (at < 0 || a === undefined || b === undefined) continue;
    const values = columns[at]!;
    for (let row = 0; row < values.length; row++) {
      if (values[row] !== null) continue;
      const x = a[row];
      const y = b[row];
      if (typeof x === "bigint" && typeof y === "bigint") values[row] = BigInt.asIntN(64, x + y);
    }
  }
}
