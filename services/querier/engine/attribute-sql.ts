/**
 * SQL over OTLP/JSON attribute columns (`[{"key":"k","value":{"intValue":"3"}}]`), using
 * DuckDB's built-in JSON functions. Function forms only: DuckDB's `->` / `->>` operators bind
 * looser than AND/OR and silently change a predicate's meaning.
 */
import { quoteLiteral } from "../../../shared/duckdb/index.ts";

export type AttributeColumn = "attributes" | "resource_attributes";

/**
 * Cheap necessary condition: `text` as JSON.stringify writes it (quotes included) occurs in the
 * column. Attribute columns are always written with JSON.stringify escaping (shared/signals),
 * and a substring search is 3–5× cheaper than parsing the JSON, so guards skip most rows.
 */
export function containsJsonSql(column: AttributeColumn, text: string): string {
  return `(strpos(${column}, ${quoteLiteral(JSON.stringify(text))}) > 0)`;
}

/** The OTLP AnyValue (JSON) of `key` in `column`, or NULL when the key is absent. */
export function attributeValueSql(column: AttributeColumn, key: string): string {
  return (
    `(CASE WHEN ${containsJsonSql(column, key)} THEN ` +
    `json_extract(list_filter(json_extract(NULLIF(${column}, ''), '$[*]'), ` +
    `lambda kv: json_extract_string(kv, '$.key') = ${quoteLiteral(key)})[1], '$.value') END)`
  );
}

/** The string member of an AnyValue (NULL for other types). */
export const stringOf = (value: string) => `json_extract_string(${value}, '$.stringValue')`;
export const intOf = (value: string) => `TRY_CAST(json_extract_string(${value}, '$.intValue') AS BIGINT)`;
export const doubleOf = (value: string) => `TRY_CAST(json_extract_string(${value}, '$.doubleValue') AS DOUBLE)`;
export const boolOf = (value: string) => `TRY_CAST(json_extract_string(${value}, '$.boolValue') AS BOOLEAN)`;

/** Any scalar AnyValue as text (how Tempo's legacy `tags=` search compares values). */
export function scalarTextOf(value: string): string {
  return (
    `coalesce(json_extract_string(${value}, '$.stringValue'), json_extract_string(${value}, '$.intValue'), ` +
    `json_extract_string(${value}, '$.doubleValue'), json_extract_string(${value}, '$.boolValue'))`
  );
}

/** SQL type name of a scalar AnyValue, as Tempo's tag-values API reports it. */
export function scalarTypeOf(value: string): string {
  return (
    `CASE WHEN json_extract(${value}, '$.stringValue') IS NOT NULL THEN 'string' ` +
    `WHEN json_extract(${value}, '$.intValue') IS NOT NULL THEN 'int' ` +
    `WHEN json_extract(${value}, '$.doubleValue') IS NOT NULL THEN 'double' ` +
    `WHEN json_extract(${value}, '$.boolValue') IS NOT NULL THEN 'bool' END`
  );
}

/** Keys of an attribute column as a list (NULL for an empty column). */
export function attributeKeysSql(column: AttributeColumn): string {
  return `json_extract_string(NULLIF(${column}, ''), '$[*].key')`;
}

/** All `{key, value}` entries of an attribute column as a list of JSON objects. */
export function attributeEntriesSql(column: AttributeColumn): string {
  return `json_extract(NULLIF(${column}, ''), '$[*]')`;
}
