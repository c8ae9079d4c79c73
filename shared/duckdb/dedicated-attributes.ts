/**
 * Tempo-style dedicated attribute columns for spans: the most searched span attributes, each
 * in its own small VARCHAR column, so search scans a few dictionary-encoded bytes per span
 * instead of decompressing and parsing ~1 KB of attribute JSON.
 *
 * A dedicated column holds the key's first value as one type letter + its text, the text
 * exactly as `json_extract_string` gives the OTLP member: `s` string, `i` int, `d` double,
 * `b` bool (`"s/cart"`, `"i500"`, `"btrue"`); `x` for array / kvlist / bytes / empty values;
 * NULL when the key is absent. The writer stores them (withDedicatedColumns, in JS); the
 * querier computes the same values on the fly for older files and live rows
 * (dedicatedColumnsOnTheFlySql).
 */
import { quoteIdent, quoteLiteral } from "./sql.ts";

/** Span attribute key → its dedicated column. */
export const DEDICATED_SPAN_ATTRIBUTES: Readonly<Record<string, string>> = {
  "http.method": "span_http_method",
  "http.request.method": "span_http_request_method",
  "http.status_code": "span_http_status_code",
  "http.response.status_code": "span_http_response_status_code",
  "http.route": "span_http_route",
  "http.url": "span_http_url",
  "url.full": "span_url_full",
  "db.system": "span_db_system",
  "rpc.service": "span_rpc_service",
  "rpc.method": "span_rpc_method",
  // Tempo's `tags=service.name=…` also matches a span attribute of that name: with a column,
  // that check no longer needs the attribute JSON.
  "service.name": "span_service_name",
};

export const DEDICATED_COLUMNS: readonly string[] = Object.values(DEDICATED_SPAN_ATTRIBUTES);

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
      const typed =
        `list_transform([json_extract_string(_v, ['$.stringValue', '$.intValue', '$.doubleValue', '$.boolValue'])], ` +
        `lambda _m: coalesce('s' || _m[1], 'i' || _m[2], 'd' || _m[3], 'b' || _m[4], 'x'))[1]`;
      const guard = `strpos(attributes, ${quoteLiteral(`"key":${JSON.stringify(key)}`)}) > 0`;
      return `(CASE WHEN ${guard} THEN TRY(list_transform([${value}], lambda _v: CASE WHEN _v IS NOT NULL THEN ${typed} END)[1]) END) AS ${quoteIdent(column)}`;
    })
    .join(", ");
}
