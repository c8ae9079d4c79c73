/**
 * ClickHouse as a storage yardstick for compacted span files (issue #20): the same spans
 * loaded into MergeTree tables ordered like a compacted file (trace id, then start time),
 * and their bytes on disk per span after one OPTIMIZE … FINAL (one part, as one file).
 *
 * Debian's ClickHouse is 18.16: no per-column CODEC(), LowCardinality behind
 * `allow_experimental_low_cardinality_type`, and one zstd level for every part, set in the
 * server's `<compression>` config. So each level is a server started on the same data
 * directory with its own config, whose OPTIMIZE … FINAL rewrites the parts at that level.
 *
 * Two layouts:
 * - `strings`: Signalbox's column set as it is (hex ids, OTLP/JSON attribute text, the
 *   dedicated attribute columns), in ClickHouse's own column format;
 * - `typed`: what a ClickHouse schema would naturally hold: binary ids (FixedString), the end
 *   time as an ALIAS of start + duration (not stored), LowCardinality for repeated text, and
 *   span attributes as per-type key/value arrays (keys LowCardinality), the way trace stores
 *   on ClickHouse keep them; attribute values of other types (arrays, kvlists) stay JSON.
 *
 * The server runs from a temp folder on its own ports and is stopped afterwards.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { filledColumnsSql, quoteLiteral, storedColumnSql, type ColumnPresence } from "../../shared/duckdb/index.ts";

export interface PeerSize {
  layout: string;
  zstdLevel: number;
  bytesOnDisk: number;
  compressedBytes: number;
  /** Compressed bytes per column, largest first. */
  columns: Array<[string, number]>;
}

/** Null (and the reason) when no clickhouse-server is installed. */
export function clickhouseMissing(): string | null {
  if (Bun.which("clickhouse-server") === null) return "clickhouse-server is not installed (apt-get install -y clickhouse-server clickhouse-client)";
  return null;
}

const HTTP_PORT = 18_923;
const TCP_PORT = 19_923;

/**
 * Loads the spans of `files` (compacted Parquet files) into both layouts, then measures them
 * at each of `levels`. `workDir` is removed afterwards.
 */
export async function clickhouseSizes(duck: DuckDBConnection, files: readonly string[], levels: readonly number[], workDir: string): Promise<PeerSize[]> {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const rowsPath = join(workDir, "spans.ndjson");
  await duck.run(`COPY (${exportSql(await contractScan(duck, files))}) TO ${quoteLiteral(rowsPath)} (FORMAT json)`);
  const out: PeerSize[] = [];
  try {
    for (const [i, level] of levels.entries()) {
      const server = await startServer(workDir, level);
      try {
        if (i === 0) await load(rowsPath);
        for (const table of ["spans_strings", "spans_typed"]) {
          await query(`OPTIMIZE TABLE ${table} FINAL`);
          const [onDisk, compressed] = (await query(
            `SELECT sum(bytes_on_disk), sum(data_compressed_bytes) FROM system.parts WHERE active AND database = 'default' AND table = '${table}' FORMAT TSV`,
          )).trim().split("\t").map(Number);
          const columns = (await query(
            `SELECT name, data_compressed_bytes FROM system.columns WHERE database = 'default' AND table = '${table}' ORDER BY data_compressed_bytes DESC FORMAT TSV`,
          )).trim().split("\n").map((line): [string, number] => {
            const [name, bytes] = line.split("\t");
            return [name!, Number(bytes)];
          });
          out.push({ layout: table.replace("spans_", ""), zstdLevel: level, bytesOnDisk: onDisk!, compressedBytes: compressed!, columns });
        }
      } finally {
        server.kill();
        await server.exited;
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return out;
}

/**
 * The files' spans with every column of the contract, as the querier reads them: the
 * columns a file left out at their default filled in, the end time derived where the file
 * stores NULL (shared/tables file-defaults.ts, derived-columns.ts).
 */
async function contractScan(duck: DuckDBConnection, files: readonly string[]): Promise<string> {
  const list = files.map(quoteLiteral).join(", ");
  const held = (await duck.runAndReadAll(
    `SELECT name, count(DISTINCT file_name)::INTEGER FROM parquet_schema([${list}]) WHERE num_children IS NULL GROUP BY name`,
  )).getRows() as Array<[string, number]>;
  const count = new Map(held);
  const presence = (name: string): ColumnPresence => (count.get(name) === files.length ? "all" : count.has(name) ? "some" : "none");
  const filled = filledColumnsSql("traces", `read_parquet([${list}], hive_partitioning = false, union_by_name = true)`, presence);
  return `(SELECT * REPLACE (${storedColumnSql("traces", "end_time_unix_nano")}) FROM ${filled})`;
}

/** The spans of `scan`, plus the span attributes split by value type. */
function exportSql(scan: string): string {
  const scalar = `from_json(attributes, '[{"key":"VARCHAR","value":{"stringValue":"VARCHAR","intValue":"BIGINT","doubleValue":"DOUBLE","boolValue":"BOOLEAN"}}]')`;
  const isOther = "NOT (json_exists(e, '$.value.stringValue') OR json_exists(e, '$.value.intValue') OR json_exists(e, '$.value.doubleValue') OR json_exists(e, '$.value.boolValue'))";
  return (
    `SELECT * EXCLUDE (a), ` +
    `[x.key FOR x IN a IF x.value.stringValue IS NOT NULL] AS attr_str_keys, [x.value.stringValue FOR x IN a IF x.value.stringValue IS NOT NULL] AS attr_str_values, ` +
    `[x.key FOR x IN a IF x.value.intValue IS NOT NULL] AS attr_int_keys, [x.value.intValue FOR x IN a IF x.value.intValue IS NOT NULL] AS attr_int_values, ` +
    `[x.key FOR x IN a IF x.value.doubleValue IS NOT NULL] AS attr_double_keys, [x.value.doubleValue FOR x IN a IF x.value.doubleValue IS NOT NULL] AS attr_double_values, ` +
    `[x.key FOR x IN a IF x.value.boolValue IS NOT NULL] AS attr_bool_keys, [x.value.boolValue::INTEGER FOR x IN a IF x.value.boolValue IS NOT NULL] AS attr_bool_values, ` +
    `to_json([e FOR e IN from_json(attributes, '["JSON"]') IF ${isOther}])::VARCHAR AS attr_other ` +
    `FROM (SELECT *, ${scalar} AS a FROM ${scan})`
  );
}

/** Signalbox's columns, every text one a String, in a file's order. */
const STRING_COLUMNS: ReadonlyArray<[string, string]> = [
  ["batch_id", "String"], ["trace_id", "String"], ["span_id", "String"], ["parent_span_id", "String"], ["trace_state", "String"],
  ["name", "String"], ["kind", "Int32"], ["flags", "Int64"], ["start_time_unix_nano", "Int64"], ["end_time_unix_nano", "Int64"],
  ["duration_nano", "Int64"], ["status_code", "Int32"], ["status_message", "String"], ["service_name", "String"], ["attributes", "String"],
  ["dropped_attributes_count", "Int32"], ["events", "String"], ["dropped_events_count", "Int32"], ["links", "String"], ["dropped_links_count", "Int32"],
  ["resource_attributes", "String"], ["resource_dropped_attributes_count", "Int32"], ["resource_schema_url", "String"], ["scope_name", "String"],
  ["scope_version", "String"], ["scope_attributes", "String"], ["scope_dropped_attributes_count", "Int32"], ["scope_schema_url", "String"],
  ...["span_http_method", "span_http_request_method", "span_http_status_code", "span_http_response_status_code", "span_http_route", "span_http_url",
    "span_url_full", "span_db_system", "span_rpc_service", "span_rpc_method", "span_service_name"].map((c): [string, string] => [c, "Nullable(String)"]),
];

const ATTRIBUTE_ARRAYS: ReadonlyArray<[string, string]> = [
  ["attr_str_keys", "Array(LowCardinality(String))"], ["attr_str_values", "Array(String)"],
  ["attr_int_keys", "Array(LowCardinality(String))"], ["attr_int_values", "Array(Int64)"],
  ["attr_double_keys", "Array(LowCardinality(String))"], ["attr_double_values", "Array(Float64)"],
  ["attr_bool_keys", "Array(LowCardinality(String))"], ["attr_bool_values", "Array(UInt8)"],
  ["attr_other", "String"],
];

const LC = "LowCardinality(String)";
/** The typed layout: column, type, and how it is made from the staged row. */
const TYPED_COLUMNS: ReadonlyArray<[string, string, string]> = [
  ["batch_id", LC, "batch_id"],
  ["trace_id", "FixedString(16)", "toFixedString(unhex(trace_id), 16)"],
  ["span_id", "FixedString(8)", "toFixedString(unhex(span_id), 8)"],
  ["parent_span_id", "FixedString(8)", "toFixedString(unhex(parent_span_id), 8)"],
  ["trace_state", LC, "trace_state"],
  ["name", LC, "name"],
  ["kind", "Int8", "kind"],
  ["flags", "UInt32", "flags"],
  ["start_time_unix_nano", "Int64", "start_time_unix_nano"],
  ["duration_nano", "Int64", "duration_nano"],
  ["end_time_unix_nano", "Int64 ALIAS start_time_unix_nano + duration_nano", ""],
  ["status_code", "Int8", "status_code"],
  ["status_message", LC, "status_message"],
  ["service_name", LC, "service_name"],
  ...ATTRIBUTE_ARRAYS.map(([c, t]): [string, string, string] => [c, t, c]),
  ["dropped_attributes_count", "UInt32", "dropped_attributes_count"],
  ["events", "String", "events"],
  ["dropped_events_count", "UInt32", "dropped_events_count"],
  ["links", "String", "links"],
  ["dropped_links_count", "UInt32", "dropped_links_count"],
  ["resource_attributes", LC, "resource_attributes"],
  ["resource_dropped_attributes_count", "UInt32", "resource_dropped_attributes_count"],
  ["resource_schema_url", LC, "resource_schema_url"],
  ["scope_name", LC, "scope_name"],
  ["scope_version", LC, "scope_version"],
  ["scope_attributes", LC, "scope_attributes"],
  ["scope_dropped_attributes_count", "UInt32", "scope_dropped_attributes_count"],
  ["scope_schema_url", LC, "scope_schema_url"],
];

const ORDER = "ORDER BY (trace_id, start_time_unix_nano)";

async function load(rowsPath: string): Promise<void> {
  const staged = [...STRING_COLUMNS, ...ATTRIBUTE_ARRAYS].map(([c, t]) => [c, t.replace("LowCardinality(String)", "String")]);
  // A Log table stages the rows on disk: both layouts are made from it inside the server.
  await query(`CREATE TABLE staged (${staged.map(([c, t]) => `${c} ${t}`).join(", ")}) ENGINE = Log`);
  await query("INSERT INTO staged FORMAT JSONEachRow", Bun.file(rowsPath));
  await query(`CREATE TABLE spans_strings (${STRING_COLUMNS.map(([c, t]) => `${c} ${t}`).join(", ")}) ENGINE = MergeTree ${ORDER}`);
  await query(`INSERT INTO spans_strings SELECT ${STRING_COLUMNS.map(([c]) => c).join(", ")} FROM staged`);
  await query(`CREATE TABLE spans_typed (${TYPED_COLUMNS.map(([c, t]) => `${c} ${t}`).join(", ")}) ENGINE = MergeTree ${ORDER}`);
  const stored = TYPED_COLUMNS.filter(([, , from]) => from !== "");
  await query(`INSERT INTO spans_typed (${stored.map(([c]) => c).join(", ")}) SELECT ${stored.map(([, , from]) => from).join(", ")} FROM staged`);
  await query("DROP TABLE staged");
}

async function startServer(workDir: string, level: number): Promise<Bun.Subprocess> {
  const configPath = join(workDir, `config-${level}.xml`);
  writeFileSync(configPath, serverConfig(workDir, level));
  const server = Bun.spawn(["clickhouse-server", `--config-file=${configPath}`], { stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${HTTP_PORT}/ping`)).ok) return server;
    } catch {
      // Not listening yet.
    }
    if (server.exitCode !== null) break;
    await Bun.sleep(100);
  }
  server.kill();
  throw new Error(`clickhouse-server did not start (see ${join(workDir, "server.err.log")})`);
}

function serverConfig(dir: string, level: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog><console>0</console></logger>
  <http_port>${HTTP_PORT}</http_port>
  <tcp_port>${TCP_PORT}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>104857600</mark_cache_size>
  <compression>
    <case><min_part_size>0</min_part_size><min_part_size_ratio>0</min_part_size_ratio><method>zstd</method><level>${level}</level></case>
  </compression>
</yandex>
`;
}

async function query(sql: string, body?: Blob): Promise<string> {
  const url = `http://127.0.0.1:${HTTP_PORT}/?allow_experimental_low_cardinality_type=1&query=${encodeURIComponent(sql)}`;
  const response = await fetch(url, { method: "POST", body: body ?? "" });
  const text = await response.text();
  if (!response.ok) throw new Error(`clickhouse: ${text.trim()} (${sql.slice(0, 120)})`);
  return text;
}

/**
 * Lines comparing the compacted files (`files`, `fileBytes` in all) with ClickHouse at each
 * level: bytes per span in all, then per column (Parquet column chunks vs ClickHouse's
 * compressed column files) for the columns that weigh most.
 */
export async function peerReport(duck: DuckDBConnection, files: readonly string[], fileBytes: number, spans: number, sizes: readonly PeerSize[]): Promise<string[]> {
  const perSpan = (bytes: number) => (bytes / spans).toFixed(1);
  const lines = [`| bytes per span                 | ${"Signalbox".padStart(9)} | ${sizes.map((s) => `CH ${s.layout} z${s.zstdLevel}`.padStart(17)).join(" | ")} |`];
  lines.push(`| total (files / bytes on disk)  | ${perSpan(fileBytes).padStart(9)} | ${sizes.map((s) => perSpan(s.bytesOnDisk).padStart(17)).join(" | ")} |`);
  const chunks = (await duck.runAndReadAll(
    `SELECT path_in_schema, sum(total_compressed_size)::BIGINT FROM parquet_metadata([${files.map(quoteLiteral).join(", ")}]) GROUP BY 1`,
  )).getRows() as Array<[string, bigint]>;
  const ours = new Map(chunks.map(([name, bytes]) => [name, Number(bytes)]));
  const theirs = sizes.map((s) => new Map(s.columns));
  const names = [...new Set([...ours.keys(), ...sizes.flatMap((s) => s.columns.map(([c]) => c))])];
  const weight = (name: string) => Math.max(ours.get(name) ?? 0, ...theirs.map((m) => m.get(name) ?? 0));
  for (const name of names.sort((a, b) => weight(b) - weight(a)).slice(0, 16)) {
    const cell = (bytes: number | undefined) => (bytes === undefined ? "–" : perSpan(bytes));
    lines.push(`| ${name.padEnd(30)} | ${cell(ours.get(name)).padStart(9)} | ${theirs.map((m) => cell(m.get(name)).padStart(17)).join(" | ")} |`);
  }
  return lines;
}
