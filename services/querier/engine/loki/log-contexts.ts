/**
 * The row contexts of the `logs` table: the columns constant over many rows (resource, scope,
 * severity), one context per distinct combination, named by a DuckDB hash of them. A log
 * select tests the selector on each context's stream labels in JS (Loki's index lookup) and
 * reads only the rows of the contexts that match (log-select-sql.ts).
 *
 * Listing the contexts of a time range means reading those columns of every row in it, which
 * costs more than the select itself; Parquet files never change once written (a compaction
 * writes a new one), so `LogFileContexts` lists each file's contexts once and keeps them, as
 * prometheus/file-families.ts does for metric families. A file's list is a superset for any
 * range within it: the select still filters rows by time. Live rows are listed per query.
 *
 * Hashing every row costs most of a listing, and a selector names a service more often than
 * not: a file's distinct `service_name` values are read first (cheaply), and contexts are
 * listed, and kept, per (file, service) only for the services the selector's `service_name`
 * matchers can accept. A row with an empty `service_name` takes its label from its resource
 * (stream-labels.ts), so those rows are always listed.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { LOKI_TIME_SQL, readPlainLogfmtServices, SERVICE_NAME_LABEL, splitResource, type LokiLogFields, type ResourceSplit } from "../../../../shared/loki/index.ts";
import { compileMatcher, labelsKey, type LabelMatcher } from "../../../../shared/series/index.ts";
import { registerFileFacts, type FileFactsCache } from "../file-facts.ts";
import { FooterCache } from "../footer-cache.ts";
import { parquetScan } from "../parquet-scan.ts";

/** The context columns; integer ones are cast so that a file and a view that widened them hash alike. */
const CONTEXT_COLUMNS = [
  "service_name", "resource_schema_url", "resource_attributes", "scope_name", "scope_version", "scope_attributes",
  "scope_dropped_attributes_count::BIGINT", "severity_text", "severity_number::BIGINT",
] as const;

const CONTEXT_FIELDS = [
  "serviceName", "resourceSchemaUrl", "resourceAttributes", "scopeName", "scopeVersion", "scopeAttributes",
  "scopeDroppedAttributesCount", "severityText", "severityNumber",
] as const;

/** A row's context, as a UBIGINT. */
export const CONTEXT_HASH_SQL = `hash(${CONTEXT_COLUMNS.join(", ")})`;

/** What listing a context reads: its hash, columns, whether some row lacks a time, its rows' Loki times and number. */
const LIST_COLUMNS =
  `${CONTEXT_HASH_SQL}, ${CONTEXT_COLUMNS.map((c) => `any_value(${c})`).join(", ")}, bool_or(time_unix_nano = 0), ` +
  `min(${LOKI_TIME_SQL}), max(${LOKI_TIME_SQL}), count(*)`;

export interface RowContext {
  /** CONTEXT_HASH_SQL of its rows. */
  hash: bigint;
  fields: Pick<LokiLogFields, (typeof CONTEXT_FIELDS)[number]>;
  resource: ResourceSplit;
  /** labelsKey of the stream labels. */
  streamKey: string;
  /** Some row has no time_unix_nano (its Loki time is its observed time). */
  untimed: boolean;
}

/** Some rows: their oldest and newest Loki time, and how many they are. */
export interface TimeSpan {
  minNs: bigint;
  maxNs: bigint;
  rows: number;
}

export interface ScopeContexts {
  /** Every context of the listed services of the files and of the live rows, each once. */
  all: RowContext[];
  /** `all` holds every context of the scope (no service of a file was left unlisted). */
  complete: boolean;
  /** Per file, the time span of its rows of each context (by hash). */
  spans: ReadonlyMap<string, ReadonlyMap<bigint, TimeSpan>>;
  /** The same for the live rows. */
  liveSpans: ReadonlyMap<bigint, TimeSpan>;
}

interface FileContext {
  context: RowContext;
  span: TimeSpan;
}

/** Files remembered at most; the oldest listed is forgotten first. */
const MAX_FILES = 20_000;

export class LogFileContexts implements FileFactsCache {
  /** Per file, its `service_name` values (null read as ""). */
  private readonly servicesByFile = new FooterCache<ReadonlySet<string>>(readServices, new Set(), MAX_FILES);
  /** Per file, the time span of all its rows; null: it has none. */
  private readonly spanByFile = new FooterCache<TimeSpan | null>(readSpans, null, MAX_FILES);
  /** Per file, the services its footer says hold only plain logfmt lines (shared/loki/plain-logfmt.ts). */
  private readonly plainByFile = new FooterCache<ReadonlySet<string>>(readPlainLogfmtServices, new Set(), MAX_FILES);
  /** Per file, per listed service, its contexts. */
  private readonly byFile = new Map<string, Map<string, FileContext[]>>();

  constructor() {
    registerFileFacts(this);
  }

  forgetFiles(paths: ReadonlySet<string>): void {
    for (const path of paths) this.byFile.delete(path);
  }

  /**
   * The contexts of `files` (cached) and of the live rows `live` (a table expression, listed now):
   * of the files, those of the services `matchers` (the selector's) can accept; undefined: all.
   */
  async of(connection: DuckDBConnection, files: readonly string[], live: string | null, matchers?: readonly LabelMatcher[]): Promise<ScopeContexts> {
    const servicesOf = await this.servicesByFile.get(connection, files);
    const accepts = serviceTest(matchers);
    const wanted = new Map<string, string[]>();
    let complete = true;
    for (const [file, held] of servicesOf) {
      const services = [...held];
      const chosen = services.filter(accepts);
      if (chosen.length < services.length) complete = false;
      wanted.set(file, chosen);
    }
    const missing = new Map<string, string[]>();
    for (const [file, services] of wanted) {
      const listed = this.byFile.get(file);
      const absent = services.filter((s) => !listed?.has(s));
      if (absent.length > 0) missing.set(file, absent);
    }
    if (missing.size > 0) await this.list(connection, missing, servicesOf);
    const all = new Map<bigint, RowContext>();
    const add = (c: RowContext) => {
      const seen = all.get(c.hash);
      if (seen === undefined) all.set(c.hash, c);
      else if (c.untimed && !seen.untimed) all.set(c.hash, { ...seen, untimed: true });
    };
    const spans = new Map<string, Map<bigint, TimeSpan>>();
    for (const file of files) {
      const listed = this.byFile.get(file);
      const byHash = new Map<bigint, TimeSpan>();
      for (const service of wanted.get(file) ?? []) {
        for (const { context, span } of listed?.get(service) ?? []) {
          add(context);
          byHash.set(context.hash, span);
        }
      }
      spans.set(file, byHash);
    }
    const liveSpans = new Map<bigint, TimeSpan>();
    if (live !== null) {
      const reader = await connection.runAndReadAll(`SELECT ${LIST_COLUMNS} FROM ${live} GROUP BY ${CONTEXT_HASH_SQL}`);
      const resources = new Map<string, ResourceSplit>();
      for (const r of reader.getRows()) {
        const { context, span } = contextOf(r, resources);
        add(context);
        liveSpans.set(context.hash, span);
      }
    }
    return { all: [...all.values()], complete, spans, liveSpans };
  }

  /** Per file of `files` that has rows, the time span of all of them (cached; read only when asked: it costs a pass over the times). */
  async fileSpans(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, TimeSpan>> {
    const out = new Map<string, TimeSpan>();
    for (const [file, span] of await this.spanByFile.get(connection, files)) if (span) out.set(file, span);
    return out;
  }

  /** The files of `files` whose footers say every row of each of `services` is a plain logfmt line (cached). */
  async plainLogfmtFiles(connection: DuckDBConnection, files: readonly string[], services: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (services.length === 0 || services.includes("") || files.length === 0) return out;
    for (const [file, plain] of await this.plainByFile.get(connection, files)) if (services.every((s) => plain.has(s))) out.add(file);
    return out;
  }

  /** Lists the contexts of `missing` (per file, its services to list) in one read. */
  private async list(
    connection: DuckDBConnection, missing: ReadonlyMap<string, readonly string[]>, servicesOf: ReadonlyMap<string, ReadonlySet<string>>,
  ): Promise<void> {
    const services = [...new Set([...missing.values()].flat())];
    const named = services.filter((s) => s !== "");
    const where = [
      ...(named.length > 0 ? [`service_name IN (${named.map(quoteLiteral).join(", ")})`] : []),
      ...(named.length < services.length ? ["service_name IS NULL OR service_name = ''"] : []),
    ].join(" OR ");
    const reader = await connection.runAndReadAll(
      `SELECT filename, ${LIST_COLUMNS}
       FROM ${parquetScan([...missing.keys()], { byName: true, filename: true })}
       WHERE ${where}
       GROUP BY filename, ${CONTEXT_HASH_SQL}`,
    );
    // Every service read is recorded for every file read that holds it: a later query needs no second read.
    const found = new Map<string, Map<string, FileContext[]>>();
    for (const file of missing.keys()) {
      const held = servicesOf.get(file);
      found.set(file, new Map(services.filter((s) => held?.has(s)).map((s) => [s, []])));
    }
    const resources = new Map<string, ResourceSplit>();
    for (const r of reader.getRows()) {
      const listed = contextOf(r.slice(1), resources);
      found.get(r[0] as string)?.get(listed.context.fields.serviceName)?.push(listed);
    }
    for (const [file, byService] of found) {
      let listed = this.byFile.get(file);
      if (listed === undefined) this.byFile.set(file, (listed = new Map()));
      for (const [service, contexts] of byService) listed.set(service, contexts);
    }
    forgetOldest(this.byFile);
  }
}

function forgetOldest(byFile: Map<string, unknown>): void {
  for (const file of byFile.keys()) {
    if (byFile.size <= MAX_FILES) break;
    byFile.delete(file);
  }
}

/** Each file's `service_name` values (null read as ""); a file without rows is left out. */
async function readServices(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, ReadonlySet<string>>> {
  const reader = await connection.runAndReadAll(`SELECT DISTINCT filename, coalesce(service_name, '') FROM ${parquetScan(files, { byName: true, filename: true })}`);
  const found = new Map<string, Set<string>>();
  for (const [file, service] of reader.getRows() as [string, string][]) {
    let services = found.get(file);
    if (!services) found.set(file, (services = new Set()));
    services.add(service);
  }
  return found;
}

/** Each file's time span, from its footer where that answers, else from a pass over its times; a file without rows is left out. */
async function readSpans(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, TimeSpan | null>> {
  const found = await spansFromStatistics(connection, files);
  const unread = files.filter((f) => !found.has(f));
  if (unread.length > 0) {
    const reader = await connection.runAndReadAll(
      `SELECT filename, min(${LOKI_TIME_SQL}), max(${LOKI_TIME_SQL}), count(*) FROM ${parquetScan(unread, { byName: true, filename: true })} GROUP BY filename`,
    );
    for (const r of reader.getRows()) found.set(r[0] as string, { minNs: (r[1] as bigint | null) ?? 0n, maxNs: (r[2] as bigint | null) ?? 0n, rows: Number(r[3] as bigint) });
  }
  return found;
}

/** Whether the selector may match rows of a `service_name` value: a non-empty one is the stream's `service_name` label. */
function serviceTest(matchers: readonly LabelMatcher[] | undefined): (service: string) => boolean {
  const tests = (matchers ?? []).filter((m) => m.name === SERVICE_NAME_LABEL).map(compileMatcher);
  return (service) => service === "" || tests.every((t) => t({ [SERVICE_NAME_LABEL]: service }));
}

/**
 * The spans of the files whose footer answers for them: when every row group's `time_unix_nano`
 * has statistics, no nulls and a positive minimum, no row falls back to its observed time, so
 * the Loki times' span is the statistics' span, and the rows are the row groups' rows. Reading
 * a footer costs nothing next to a pass over the times. The other files are absent.
 */
async function spansFromStatistics(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, TimeSpan | null>> {
  const reader = await connection.runAndReadAll(
    `SELECT file_name,
            bool_and(stats_min_value IS NOT NULL AND stats_max_value IS NOT NULL AND stats_null_count = 0 AND TRY_CAST(stats_min_value AS HUGEINT) > 0),
            min(TRY_CAST(stats_min_value AS HUGEINT))::VARCHAR, max(TRY_CAST(stats_max_value AS HUGEINT))::VARCHAR, sum(row_group_num_rows)
     FROM parquet_metadata([${files.map(quoteLiteral).join(", ")}])
     WHERE path_in_schema = 'time_unix_nano' AND type = 'INT64'
     GROUP BY file_name`,
  );
  const out = new Map<string, TimeSpan | null>();
  for (const [file, usable, min, max, rows] of reader.getRows()) {
    if (usable !== true || min === null || max === null) continue;
    out.set(file as string, { minNs: BigInt(min as string), maxNs: BigInt(max as string), rows: Number(rows as bigint) });
  }
  return out;
}


/** A listed row (LIST_COLUMNS) as a context and its time span; `resources` shares the splits of equal resources. */
function contextOf(r: readonly unknown[], resources: Map<string, ResourceSplit>): FileContext {
  const value = (i: number) => r[i + 1];
  const text = (i: number) => (value(i) as string | null) ?? "";
  const int = (i: number) => Number((value(i) as bigint | null) ?? 0n);
  const fields: RowContext["fields"] = {
    serviceName: text(0), resourceSchemaUrl: text(1), resourceAttributes: text(2), scopeName: text(3), scopeVersion: text(4),
    scopeAttributes: text(5), scopeDroppedAttributesCount: int(6), severityText: text(7), severityNumber: int(8),
  };
  const resourceKey = `${fields.serviceName}\u0000${fields.resourceSchemaUrl}\u0000${fields.resourceAttributes}`;
  let resource = resources.get(resourceKey);
  if (resource === undefined) resources.set(resourceKey, (resource = splitResource(fields)));
  const n = CONTEXT_FIELDS.length;
  return {
    context: { hash: r[0] as bigint, fields, resource, streamKey: labelsKey(resource.labels), untimed: r[n + 1] === true },
    span: { minNs: (r[n + 2] as bigint | null) ?? 0n, maxNs: (r[n + 3] as bigint | null) ?? 0n, rows: Number(r[n + 4] as bigint) },
  };
}
