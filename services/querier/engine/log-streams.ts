/**
 * Loki-style stream labels of a log row, as Loki derives them from OTLP:
 * - `service_name` = resource `service.name` (column `service_name`), `unknown_service` if unset;
 * - every other string-valued resource attribute, `.` → `_` in its name;
 * - `level` = lower-case `severity_text` when set.
 * `service_name` and `level` win over resource attributes that map to the same name; among
 * resource attributes the first one wins.
 */
import { quoteLiteral } from "../../../shared/duckdb/index.ts";
import { attributeEntriesSql } from "./attribute-sql.ts";

export const UNKNOWN_SERVICE = "unknown_service";

export const SERVICE_LABEL_SQL = `coalesce(NULLIF(service_name, ''), ${quoteLiteral(UNKNOWN_SERVICE)})`;
export const LEVEL_LABEL_SQL = `NULLIF(lower(severity_text), '')`;

/** A row's value of label `name` (NULL when the stream has no such label). */
export function labelValueSql(name: string): string {
  if (name === "service_name") return SERVICE_LABEL_SQL;
  if (name === "level") return LEVEL_LABEL_SQL;
  return (
    `json_extract_string(list_filter(${attributeEntriesSql("resource_attributes")}, lambda kv: ` +
    `replace(json_extract_string(kv, '$.key'), '.', '_') = ${quoteLiteral(name)} ` +
    `AND json_extract_string(kv, '$.value.stringValue') IS NOT NULL)[1], '$.value.stringValue')`
  );
}

/** The row's effective time: OTLP allows time_unix_nano = 0 ("unknown"); fall back to observed. */
export const LOG_TIME_SQL = "CASE WHEN time_unix_nano <> 0 THEN time_unix_nano ELSE observed_time_unix_nano END";

/** The log line: a string body as-is, scalars as their text, other AnyValues as OTLP JSON. */
export const LOG_LINE_SQL =
  "CASE WHEN body IS NULL OR body = '' OR body = '{}' THEN '' " +
  "ELSE coalesce(json_extract_string(body, '$.stringValue'), json_extract_string(body, '$.intValue'), " +
  "json_extract_string(body, '$.doubleValue'), json_extract_string(body, '$.boolValue'), body) END";

interface StreamRow {
  serviceName: string;
  severityText: string;
  resourceAttributes: string;
}

/** Labels JSON for result rows (computed in JS: only `limit` rows, cached per stream). */
export class StreamLabeler {
  private readonly cache = new Map<string, string>();

  labelsJson(row: StreamRow): string {
    const cacheKey = `${row.serviceName}\u0000${row.severityText}\u0000${row.resourceAttributes}`;
    let json = this.cache.get(cacheKey);
    if (json === undefined) {
      json = JSON.stringify(streamLabels(row));
      this.cache.set(cacheKey, json);
    }
    return json;
  }
}

export function streamLabels(row: StreamRow): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const { key, value } of parseAttributes(row.resourceAttributes)) {
    const name = key.replaceAll(".", "_");
    if (typeof value?.stringValue === "string" && !(name in labels)) labels[name] = value.stringValue;
  }
  labels.service_name = row.serviceName !== "" ? row.serviceName : UNKNOWN_SERVICE;
  const level = row.severityText.toLowerCase();
  if (level !== "") labels.level = level;
  else delete labels.level;
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface KeyValueJson {
  key: string;
  value?: { stringValue?: unknown };
}

function parseAttributes(text: string): KeyValueJson[] {
  if (text === "") return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as KeyValueJson[]).filter((kv) => typeof kv?.key === "string") : [];
}
