/**
 * Line filters the LogQL evaluator hints (shared/query/logql/source.ts) pushed down to DuckDB
 * where the stored text is the Loki line — a string body — and applied in JavaScript to the
 * other rows (map, array and scalar bodies, whose Loki line is built in JS). Loki's filters:
 * `|=`/`!=` substring tests, `|~`/`!~` unanchored RE2 (DuckDB's regexes are RE2 too); the JS
 * check is the evaluator's own (`matchesLineFilters`).
 */
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { LineFilterHint } from "../../../../shared/query/logql/index.ts";

/** The line of a row with a string body; NULL for any other body. */
export const STRING_LINE_SQL = "json_extract_string(NULLIF(body, ''), '$.stringValue')";

export function lineFilterSql(f: LineFilterHint, line: string): string {
  const lit = quoteLiteral(f.value);
  switch (f.op) {
    case "|=":
      return `contains(${line}, ${lit})`;
    case "!=":
      return `(NOT contains(${line}, ${lit}))`;
    case "|~":
      return `regexp_matches(${line}, ${lit})`;
    case "!~":
      return `(NOT regexp_matches(${line}, ${lit}))`;
  }
}

/** The row filter: string-bodied rows by the filters, other rows kept for the JS check. */
export function lineFiltersSql(filters: readonly LineFilterHint[]): string | undefined {
  if (filters.length === 0) return undefined;
  return `(${STRING_LINE_SQL} IS NULL OR (${filters.map((f) => lineFilterSql(f, STRING_LINE_SQL)).join(" AND ")}))`;
}
