/**
 * Tempo-style dedicated attribute columns for spans: the most searched span attributes, each
 * in its own small VARCHAR column, so search scans a few dictionary-encoded bytes per span
 * instead of decompressing and parsing the span's whole attribute JSON.
 *
 * A dedicated column holds the key's first value as one type letter + its text, the text
 * exactly as `json_extract_string` gives the OTLP member: `s` string, `i` int, `d` double,
 * `b` bool (`"s/cart"`, `"i500"`, `"btrue"`); `x` for array / kvlist / bytes / empty values;
 * NULL when the key is absent. The acceptor's decoder writes them with each span
 * (dedicated-columns.ts `DedicatedValues`); withDedicatedColumns computes the same values
 * from the attribute JSON for batches that came without them; the querier computes them in
 * SQL for files written before they existed (querier `dedicatedColumnsOnTheFlySql`).
 */
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
