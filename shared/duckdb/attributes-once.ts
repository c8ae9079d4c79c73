/**
 * SQL for shared/tables/attributes-once.ts: a compacted span file writes the `url.full`
 * entry of the attribute JSON as a marker (its value is in span_url_full), and a reader of
 * files puts it back. Both only for files that have the dedicated column.
 */
import { ONCE_ATTRIBUTE, ONCE_ENTRY, ONCE_MARKER } from "../tables/index.ts";
import { quoteIdent, quoteLiteral } from "./sql.ts";

const column = quoteIdent(ONCE_ATTRIBUTE.column);
// The marker's control character is spelled with chr(): SQL text never carries it.
const [markerHead, markerTail] = ONCE_MARKER.split("\u0001") as [string, string];
const MARKER_SQL = `(${quoteLiteral(markerHead)} || chr(1) || ${quoteLiteral(markerTail)})`;
const ENTRY_SQL = `(${quoteLiteral(ONCE_ENTRY.open)} || substr(${column}, 2) || ${quoteLiteral(ONCE_ENTRY.close)})`;

/** `attributes` as a select-list item of a compacted file: its first url.full entry as the marker. */
export function attributesOnceSql(): string {
  return `CASE WHEN ${column} LIKE 's%' THEN ${spliced(ENTRY_SQL, MARKER_SQL)} ELSE "attributes" END AS "attributes"`;
}

/** `attributes` as a select-list item over a file scan: the marker back as the entry. */
export function attributesRestoredSql(): string {
  return `CASE WHEN ${column} LIKE 's%' THEN ${spliced(MARKER_SQL, ENTRY_SQL)} ELSE "attributes" END AS "attributes"`;
}

/**
 * The attributes with the first `from` (if any) spliced out for `to`. Positions and lengths
 * count characters, as strpos, left and substr do. DuckDB's replace() would scan and copy
 * the whole JSON a character at a time, several times slower than finding `from` once.
 */
function spliced(from: string, to: string): string {
  const at = `strpos("attributes", ${from})`;
  return `(CASE WHEN ${at} = 0 THEN "attributes" ELSE left("attributes", ${at} - 1) || ${to} || substr("attributes", ${at} + length(${from})) END)`;
}
