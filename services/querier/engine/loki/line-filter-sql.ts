/**
 * Line filters the LogQL evaluator hints (shared/query/logql/source.ts) pushed down to DuckDB
 * where the stored text is the Loki line — a string body — and applied in JavaScript to the
 * other rows (map, array and scalar bodies, whose Loki line is built in JS). Loki's filters:
 * `|=`/`!=` substring tests, `|~`/`!~` unanchored RE2 (DuckDB's regexes are RE2 too); the JS
 * check is the evaluator's own (`matchesLineFilters`).
 *
 * A string body is stored as `{"stringValue":"…"}` with only `"`, `\` and control characters
 * escaped (shared/otlp/byte-sink.ts): a `|=` text free of those appears in the body whenever
 * it appears in the line (not only then: it may match the JSON around the line). That raw
 * `contains(body, …)` is tested first — the Parquet scan applies it while reading, before any
 * JSON is parsed — and the exact test on the decoded line only on the rows it keeps.
 */
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { LineFilterHint } from "../../../../shared/query/logql/index.ts";

/** The line of a row with a string body; NULL for any other body. */
export const STRING_LINE_SQL = "json_extract_string(NULLIF(body, ''), '$.stringValue')";
/** How every string body begins (and no other body does). */
const STRING_BODY_PREFIX = '{"stringValue":"';

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
  const exact = `(${STRING_LINE_SQL} IS NULL OR (${filters.map((f) => lineFilterSql(f, STRING_LINE_SQL)).join(" AND ")}))`;
  const raw = filters.filter((f) => f.op === "|=" && f.value !== "" && !/["\\\u0000-\u001f]/.test(f.value));
  if (raw.length === 0) return exact;
  // A necessary condition on the stored text, so the scan drops most rows before the JSON parse.
  const body = `((${raw.map((f) => `contains(body, ${quoteLiteral(f.value)})`).join(" AND ")}) OR NOT starts_with(body, ${quoteLiteral(STRING_BODY_PREFIX)}))`;
  return `${body} AND ${exact}`;
}
