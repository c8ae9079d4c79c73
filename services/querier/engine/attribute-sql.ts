/**
 * SQL over OTLP/JSON attribute columns (`[{"key":"k","value":{"intValue":"3"}}]`), using
 * DuckDB's built-in JSON functions. Function forms only: DuckDB's `->` / `->>` operators bind
 * looser than AND/OR and silently change a predicate's meaning.
 */
import { quoteLiteral } from "../../../shared/duckdb/index.ts";

export type AttributeColumn = "attributes" | "resource_attributes";

/**
 * Cheap necessary condition: `text` as JSON.stringify writes it (quotes included) occurs in the
 * column. Attribute columns are always written with JSON.stringify escaping (shared/otlp),
 * and a substring search is much cheaper than parsing the JSON, so guards skip most rows.
 */
export function containsJsonSql(column: AttributeColumn, text: string): string {
  return `(strpos(${column}, ${quoteLiteral(JSON.stringify(text))}) > 0)`;
}

/**
 * Cheap and selective necessary condition for `key` having exactly the scalar `member` value:
 * its whole KeyValue text occurs, as the acceptor writes it (shared/otlp/anyvalue-json.ts:
 * `{"key":K,"value":{"intValue":"500"}}`). Far more selective than the key alone, which
 * most spans of a kind carry; the JSON is still parsed to confirm (a kvlist may nest it).
 * `valueJson` is the member's JSON text: `"v"` for strings and ints, `500` / `true` otherwise.
 */
export function containsKeyValueSql(column: AttributeColumn, key: string, member: ScalarMember, valueJson: string): string {
  const text = `"key":${JSON.stringify(key)},"value":{"${member}":${valueJson}}`;
  return `(strpos(${column}, ${quoteLiteral(text)}) > 0)`;
}

export type ScalarMember = "stringValue" | "intValue" | "doubleValue" | "boolValue";

/**
 * The OTLP AnyValue (JSON) of `key` in `column`, or NULL when the key is absent. Two JSON
 * parses per row: the key list, then the value at the key's position (a list_filter over the
 * entries would parse every entry again).
 */
export function attributeValueSql(column: AttributeColumn, key: string): string {
  const doc = `NULLIF(${column}, '')`;
  const index = `list_position(json_extract_string(${doc}, '$[*].key'), ${quoteLiteral(key)})`;
  return `(CASE WHEN ${containsJsonSql(column, key)} THEN json_extract(${doc}, '$[' || (${index} - 1) || '].value') END)`;
}

/** `body` over `value` evaluated once (DuckDB would evaluate a repeated subexpression again). */
export function withValue(value: string, body: (v: string) => string): string {
  return `list_transform([${value}], lambda _av: ${body("_av")})[1]`;
}

/** The string member of an AnyValue (NULL for other types). */
export const stringOf = (value: string) => `json_extract_string(${value}, '$.stringValue')`;
export const intOf = (value: string) => `TRY_CAST(json_extract_string(${value}, '$.intValue') AS BIGINT)`;
export const doubleOf = (value: string) => `TRY_CAST(json_extract_string(${value}, '$.doubleValue') AS DOUBLE)`;
export const boolOf = (value: string) => `TRY_CAST(json_extract_string(${value}, '$.boolValue') AS BOOLEAN)`;

/** Any scalar AnyValue as text (how Tempo's legacy `tags=` search compares values). */
export function scalarTextOf(value: string): string {
  return (
    `list_filter(json_extract_string(${value}, ['$.stringValue', '$.intValue', '$.doubleValue', '$.boolValue']), ` +
    `lambda _t: _t IS NOT NULL)[1]`
  );
}

/** SQL type name of a scalar AnyValue, as Tempo's tag-values API reports it. */
export function scalarTypeOf(value: string): string {
  return (
    `CASE WHEN json_extract(${value}, '$.stringValue') IS NOT NULL THEN 'string' ` +
    `WHEN json_extract(${value}, '$.intValue') IS NOT NULL THEN 'int' ` +
    // Tempo's type names: `float`, not OTLP's `double`.
    `WHEN json_extract(${value}, '$.doubleValue') IS NOT NULL THEN 'float' ` +
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
