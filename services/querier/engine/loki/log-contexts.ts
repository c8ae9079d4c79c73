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
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { LOKI_TIME_SQL, splitResource, type LokiLogFields, type ResourceSplit } from "../../../../shared/loki/index.ts";
import { labelsKey } from "../../../../shared/series/index.ts";

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
  /** Every context of the files and the live rows, each once. */
  all: RowContext[];
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

export class LogFileContexts {
  private readonly byFile = new Map<string, FileContext[]>();

  /** The contexts of `files` (cached) and of the live rows `live` (a table expression, listed now). */
  async of(connection: DuckDBConnection, files: readonly string[], live: string | null): Promise<ScopeContexts> {
    const missing = [...new Set(files.filter((f) => !this.byFile.has(f)))];
    if (missing.length > 0) await this.list(connection, missing);
    const all = new Map<bigint, RowContext>();
    const add = (c: RowContext) => {
      const seen = all.get(c.hash);
      if (seen === undefined) all.set(c.hash, c);
      else if (c.untimed && !seen.untimed) all.set(c.hash, { ...seen, untimed: true });
    };
    const spans = new Map<string, Map<bigint, TimeSpan>>();
    for (const file of files) {
      const listed = this.byFile.get(file) ?? [];
      for (const { context } of listed) add(context);
      spans.set(file, new Map(listed.map(({ context, span }) => [context.hash, span])));
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
    return { all: [...all.values()], spans, liveSpans };
  }

  private async list(connection: DuckDBConnection, files: readonly string[]): Promise<void> {
    const reader = await connection.runAndReadAll(
      `SELECT filename, ${LIST_COLUMNS}
       FROM read_parquet([${files.map(quoteLiteral).join(", ")}], hive_partitioning = false, union_by_name = true, filename = true)
       GROUP BY filename, ${CONTEXT_HASH_SQL}`,
    );
    const found = new Map<string, FileContext[]>(files.map((f) => [f, []]));
    const resources = new Map<string, ResourceSplit>();
    for (const r of reader.getRows()) found.get(r[0] as string)?.push(contextOf(r.slice(1), resources));
    for (const [file, contexts] of found) this.byFile.set(file, contexts);
    for (const file of this.byFile.keys()) {
      if (this.byFile.size <= MAX_FILES) break;
      this.byFile.delete(file);
    }
  }
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
