/**
 * The Loki model (stream-labels.ts, structured-metadata.ts, detected-level.ts) as DuckDB SQL
 * expressions over the `logs` table's columns, for queries that must filter or group by a
 * Loki label before rows reach JavaScript (selectors, label browsers, volumes). The JS model
 * is the reference; where the SQL form is narrower it says so.
 *
 * Attribute columns are OTLP/JSON text; expressions use DuckDB's JSON function forms only
 * (its `->>` operator binds looser than AND/OR).
 */
import { quoteLiteral } from "../duckdb/sql.ts";
import { DISCOVER_SERVICE_NAME, LEVEL_FIELDS, LOKI_PUSH_SCHEMA_URL, SERVICE_NAME_LABEL, UNKNOWN_SERVICE } from "./defaults.ts";
import { INDEXED_LABEL_KEYS } from "./stream-labels.ts";

/** Loki's entry time: `time_unix_nano`, or the observed time when the record has none. */
export const LOKI_TIME_SQL = "(CASE WHEN time_unix_nano <> 0 THEN time_unix_nano ELSE observed_time_unix_nano END)";

/** True for rows written by Loki push (their resource attributes are the stream's labels). */
export const IS_LOKI_PUSH_SQL = `(resource_schema_url = ${quoteLiteral(LOKI_PUSH_SCHEMA_URL)})`;

type AttributeColumn = "attributes" | "resource_attributes" | "scope_attributes";

/** Any scalar AnyValue as text; NULL for maps, arrays and absent values. */
function scalarText(value: string): string {
  return `list_filter(json_extract_string(${value}, ['$.stringValue', '$.intValue', '$.doubleValue', '$.boolValue']), lambda _t: _t IS NOT NULL)[1]`;
}

/** The scalar text of attribute `key` in `column`, NULL when absent (a cheap substring guard first). */
export function attributeTextSql(column: AttributeColumn, key: string): string {
  const doc = `NULLIF(${column}, '')`;
  const index = `list_position(json_extract_string(${doc}, '$[*].key'), ${quoteLiteral(key)})`;
  const guard = `strpos(${column}, ${quoteLiteral(JSON.stringify(key))}) > 0`;
  return `(CASE WHEN ${guard} THEN ${scalarText(`json_extract(${doc}, '$[' || (${index} - 1) || '].value')`)} END)`;
}

/**
 * The scalar text of the attribute of `column` whose Loki name (label-name.ts) is `name`;
 * `exceptKeys` are skipped (the indexed resource attributes, which are labels, not metadata).
 * Map values are not expanded here (the JS model expands them).
 */
function attributeByLabelNameSql(column: AttributeColumn, name: string, exceptKeys: readonly string[] = []): string {
  const entries = `json_extract(NULLIF(${column}, ''), '$[*]')`;
  const keyOf = `json_extract_string(_kv, '$.key')`;
  const except = exceptKeys.length ? ` AND ${keyOf} NOT IN (${exceptKeys.map(quoteLiteral).join(", ")})` : "";
  const match = `regexp_replace(${keyOf}, '[^a-zA-Z0-9_]', '_', 'g') = ${quoteLiteral(name.replace(/^key_(?=[0-9])/, ""))}${except}`;
  return `${scalarText(`json_extract(list_filter(${entries}, lambda _kv: ${match})[-1], '$.value')`)}`;
}

/** The value of stream label `name` of a row, NULL when its stream has no such label. */
export function streamLabelSql(name: string): string {
  if (name === SERVICE_NAME_LABEL) return SERVICE_NAME_SQL;
  const pushed = attributeTextSql("resource_attributes", name);
  const key = INDEXED_LABEL_KEYS.get(name);
  const otlp = key !== undefined ? attributeTextSql("resource_attributes", key) : "NULL";
  return `(CASE WHEN ${IS_LOKI_PUSH_SQL} THEN ${pushed} ELSE ${otlp} END)`;
}

/** `service_name`: the column (resource `service.name`, or the pushed label), else discovered, else unknown_service. */
export const SERVICE_NAME_SQL = (() => {
  const discovered = DISCOVER_SERVICE_NAME.filter((n) => INDEXED_LABEL_KEYS.has(n)).map(
    (n) => `NULLIF(${attributeTextSql("resource_attributes", INDEXED_LABEL_KEYS.get(n)!)}, '')`,
  );
  return `coalesce(NULLIF(service_name, ''), ${[...discovered, quoteLiteral(UNKNOWN_SERVICE)].join(", ")})`;
})();

/** Metadata an OTLP record's own fields give, by name. */
const RECORD_FIELD_SQL: Readonly<Record<string, string>> = {
  observed_timestamp: "(CASE WHEN time_unix_nano <> 0 AND observed_time_unix_nano <> 0 THEN CAST(observed_time_unix_nano AS VARCHAR) END)",
  severity_number: "(CASE WHEN severity_number <> 0 THEN CAST(severity_number AS VARCHAR) END)",
  severity_text: "NULLIF(severity_text, '')",
  dropped_attributes_count: "(CASE WHEN dropped_attributes_count <> 0 THEN CAST(dropped_attributes_count AS VARCHAR) END)",
  flags: "(CASE WHEN flags <> 0 THEN CAST(flags AS VARCHAR) END)",
  trace_id: "NULLIF(trace_id, '')",
  span_id: "NULLIF(span_id, '')",
  event_name: "NULLIF(event_name, '')",
  scope_name: "NULLIF(scope_name, '')",
  scope_version: "NULLIF(scope_version, '')",
  scope_dropped_attributes_count: "(CASE WHEN scope_dropped_attributes_count <> 0 THEN CAST(scope_dropped_attributes_count AS VARCHAR) END)",
};

/**
 * The value of structured metadata `name` of a row, NULL when the entry has none. Precedence
 * as in the JS model: scope fields and attributes over the resource's, over the record's.
 */
export function structuredMetadataSql(name: string): string {
  if (name === "detected_level") return DETECTED_LEVEL_SQL;
  const pushed = attributeTextSql("attributes", name);
  const indexedKeys = [...INDEXED_LABEL_KEYS.values()];
  const field = RECORD_FIELD_SQL[name];
  const scopeField = name.startsWith("scope_") ? field : undefined;
  const recordField = name.startsWith("scope_") ? undefined : field;
  const otlp = [
    scopeField,
    attributeByLabelNameSql("scope_attributes", name),
    attributeByLabelNameSql("resource_attributes", name, indexedKeys),
    recordField,
    attributeByLabelNameSql("attributes", name),
  ].filter((e): e is string => e !== undefined);
  return `(CASE WHEN ${IS_LOKI_PUSH_SQL} THEN ${pushed} ELSE coalesce(${otlp.join(", ")}) END)`;
}

/** Loki's normalisation of a level's spelling (detected-level.ts `normalizeLevel`). */
export function normalizeLevelSql(value: string): string {
  return (
    `(CASE lower(${value}) WHEN 'trc' THEN 'trace' WHEN 'trace' THEN 'trace' WHEN 'dbg' THEN 'debug' WHEN 'debug' THEN 'debug' ` +
    `WHEN 'inf' THEN 'info' WHEN 'info' THEN 'info' WHEN 'information' THEN 'info' WHEN 'wrn' THEN 'warn' WHEN 'warn' THEN 'warn' ` +
    `WHEN 'warning' THEN 'warn' WHEN 'err' THEN 'error' WHEN 'error' THEN 'error' WHEN 'critical' THEN 'critical' ` +
    `WHEN 'fatal' THEN 'fatal' ELSE ${value} END)`
  );
}

/** The line of a row whose body is a scalar (the common case); other bodies are their OTLP/JSON. */
const LINE_SQL =
  "coalesce(json_extract_string(NULLIF(body, ''), '$.stringValue'), json_extract_string(NULLIF(body, ''), '$.intValue'), " +
  "json_extract_string(NULLIF(body, ''), '$.doubleValue'), json_extract_string(NULLIF(body, ''), '$.boolValue'), '')";

/** The leftmost level word standing alone in the line (Loki's last resort), lower-case. */
const LEVEL_WORD_SQL = normalizeLevelSql(
  `NULLIF(regexp_extract(lower(${LINE_SQL}), '(?:^|[ \\t\\n\\[({"''=|])(trace|debug|fatal|critical|error|err|warning|warn|info)(?:$|[ \\t\\n\\[\\](){}:,!"''=|])', 1), '')`,
);

/**
 * `detected_level` (detected-level.ts) in SQL. Narrower than the JS model: of the level
 * fields it reads a `level` attribute (or pushed metadata) and `severity_text`, and of the
 * line a top-level JSON or logfmt `level` before the level word.
 */
export const DETECTED_LEVEL_SQL = (() => {
  const line = LINE_SQL;
  const fromLine =
    `coalesce(` +
    `CASE WHEN starts_with(ltrim(${line}), '{') THEN ${normalizeLevelSql(`json_extract_string(TRY_CAST(${line} AS JSON), '$.level')`)} END, ` +
    `CASE WHEN contains(${line}, 'level=') THEN ${normalizeLevelSql(`NULLIF(regexp_extract(${line}, '(?:^|\\s)level="?([^"\\s]*)', 1), '')`)} END, ` +
    `${LEVEL_WORD_SQL}, 'unknown')`;
  const severity =
    `(CASE WHEN severity_number = 0 THEN NULL WHEN severity_number <= 4 THEN 'trace' WHEN severity_number <= 8 THEN 'debug' ` +
    `WHEN severity_number <= 12 THEN 'info' WHEN severity_number <= 16 THEN 'warn' WHEN severity_number <= 20 THEN 'error' ` +
    `WHEN severity_number <= 24 THEN 'fatal' ELSE 'unknown' END)`;
  const levelField = LEVEL_FIELDS[0]!;
  const pushed = `coalesce(${normalizeLevelSql(attributeTextSql("attributes", "detected_level"))}, ${normalizeLevelSql(attributeTextSql("resource_attributes", levelField))}, ${normalizeLevelSql(attributeTextSql("attributes", levelField))}, ${fromLine})`;
  const otlp = `coalesce(${normalizeLevelSql(attributeTextSql("attributes", levelField))}, ${normalizeLevelSql("NULLIF(severity_text, '')")}, ${severity}, ${fromLine})`;
  return `(CASE WHEN ${IS_LOKI_PUSH_SQL} THEN ${pushed} ELSE ${otlp} END)`;
})();
