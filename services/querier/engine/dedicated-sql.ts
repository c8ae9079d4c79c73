/**
 * Attribute predicates over a dedicated column (shared/tables/dedicated-attributes.ts): the
 * key's first value as a type letter + text, NULL when absent. Each predicate is exactly the
 * JSON path's (attribute-sql.ts): same typed comparisons; a missing attribute or one of
 * another type gives NULL (never matches).
 */
import { quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { DEDICATED_SPAN_ATTRIBUTES } from "../../../shared/tables/index.ts";
import type { AttributeColumn } from "./attribute-sql.ts";

/** The dedicated column of `key` in `column`, if it has one (span attributes only). */
export function dedicatedColumn(column: AttributeColumn, key: string): string | undefined {
  const name = column === "attributes" && Object.hasOwn(DEDICATED_SPAN_ATTRIBUTES, key) ? DEDICATED_SPAN_ATTRIBUTES[key] : undefined;
  return name === undefined ? undefined : quoteIdent(name);
}

/** Typed value SQL → the member of type `letter` as text, NULL for any other type. */
export function memberText(value: string, letter: "s" | "i" | "d" | "b"): string {
  return `(CASE WHEN starts_with(${value}, '${letter}') THEN substr(${value}, 2) END)`;
}

/** Tempo's legacy tag comparison: the scalar value, whatever its type, as text equals `text`. */
export function scalarTextEqualsSql(value: string, text: string): string {
  return `(${value} IN (${["s", "i", "d", "b"].map((t) => quoteLiteral(t + text)).join(", ")}))`;
}

export function stringEqualsSql(value: string, text: string): string {
  return `(${value} = ${quoteLiteral("s" + text)})`;
}

/**
 * A numeric comparison against `literal` (SQL of a BIGINT or DOUBLE): int values as BIGINT
 * (DOUBLE when `asDouble`), double values as DOUBLE, anything else NULL — as the JSON path's
 * coalesce(int compare, double compare).
 */
export function numericCompareSql(value: string, sqlOp: string, literal: string, asDouble: boolean): string {
  const int = `TRY_CAST(substr(${value}, 2) AS BIGINT)`;
  return (
    `(CASE left(${value}, 1) WHEN 'i' THEN ${asDouble ? `CAST(${int} AS DOUBLE)` : int} ${sqlOp} ${literal} ` +
    `WHEN 'd' THEN TRY_CAST(substr(${value}, 2) AS DOUBLE) ${sqlOp} ${literal} END)`
  );
}

export function boolCompareSql(value: string, sqlOp: string, literal: boolean): string {
  return `(TRY_CAST(${memberText(value, "b")} AS BOOLEAN) ${sqlOp} ${literal ? "TRUE" : "FALSE"})`;
}

/**
 * `expr AS column, ...` computing the dedicated columns from `attributes` of the row source,
 * with the same values as the writer's. A substring guard (the key as JSON.stringify writes it)
 * skips the JSON parse on spans without the key; two parses otherwise (key list, then value).
 */
export function dedicatedColumnsOnTheFlySql(): string {
  return Object.entries(DEDICATED_SPAN_ATTRIBUTES)
    .map(([key, column]) => {
      const doc = "NULLIF(attributes, '')";
      const pos = `list_position(json_extract_string(${doc}, '$[*].key'), ${quoteLiteral(key)})`;
      const value = `json_extract(${doc}, '$[' || (${pos} - 1) || '].value')`;
      const guard = `strpos(attributes, ${quoteLiteral(`"key":${JSON.stringify(key)}`)}) > 0`;
      return `(CASE WHEN ${guard} THEN ${typedValueSql(value)} END) AS ${quoteIdent(column)}`;
    })
    .join(", ");
}

/**
 * An OTLP AnyValue (JSON SQL) in the dedicated columns' typed text: type letter + text
 * (`s`tring, `i`nt, `d`ouble, `b`ool; `x` for arrays and maps), NULL when the value is NULL.
 */
export function typedValueSql(valueJson: string): string {
  const typed =
    `list_transform([json_extract_string(_v, ['$.stringValue', '$.intValue', '$.doubleValue', '$.boolValue'])], ` +
    `lambda _m: coalesce('s' || _m[1], 'i' || _m[2], 'd' || _m[3], 'b' || _m[4], 'x'))[1]`;
  return `TRY(list_transform([${valueJson}], lambda _v: CASE WHEN _v IS NOT NULL THEN ${typed} END)[1])`;
}
