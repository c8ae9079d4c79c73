/**
 * The `logs` table (Parquet files + live rows, the engine's source view) as a LogQL
 * `LogSource` (shared/query/logql/source.ts), in Loki's data model (shared/loki):
 * 1. the distinct resources with rows in the range are read and turned into stream labels in
 *    JS — Loki's index lookup — and the selector's matchers tested on them;
 * 2. only the rows of the matching resources are read (by a hash of the resource columns),
 *    with the hinted line filters pushed down (line-filter-sql.ts), sorted in the requested
 *    direction, cut at `limit` when the evaluator allows it;
 * 3. each row becomes a Loki entry (labels, line, structured metadata) and joins its stream.
 * A read past `maxEntries` is refused before the rows reach JavaScript.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { LOKI_LOG_COLUMNS, LOKI_TIME_SQL, LokiEntryReader, ResourceSplitCache, type LokiLogFields } from "../../../../shared/loki/index.ts";
import { QueryError } from "../../../../shared/query/index.ts";
import { matchesLineFilters, type LogSelectRequest, type LogSource, type LogStream } from "../../../../shared/query/logql/index.ts";
import { compileMatcher, labelsKey } from "../../../../shared/series/index.ts";
import { lineFiltersSql } from "./line-filter-sql.ts";

export interface LogSourceOptions {
  /** Most entries one select may read (`query.max_samples`): past it, RESOURCE_EXHAUSTED. */
  maxEntries: number;
}

const RESOURCE_HASH_SQL = "hash(service_name, resource_schema_url, resource_attributes)";
const FIELDS = Object.keys(LOKI_LOG_COLUMNS) as (keyof LokiLogFields)[];

export class DuckDBLogSource implements LogSource {
  /** Lines and bytes of every entry read, for Loki's stats. */
  linesRead = 0;
  bytesRead = 0;

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly view: string,
    private readonly options: LogSourceOptions,
  ) {}

  async select(request: LogSelectRequest, signal?: AbortSignal): Promise<LogStream[]> {
    const time = `${LOKI_TIME_SQL} >= ${request.startNs} AND ${LOKI_TIME_SQL} < ${request.endNs}`;
    const resources = await this.matchingResources(request, time);
    stopIfAborted(signal);
    if (resources.matched.length === 0) return [];
    const where = [time];
    if (resources.matched.length < resources.total) where.push(`${RESOURCE_HASH_SQL} IN (${resources.matched.join(", ")})`);
    const filters = request.lineFilters ?? [];
    const pushed = lineFiltersSql(filters);
    if (pushed !== undefined) where.push(pushed);
    const cap = Math.min(request.limit ?? Number.POSITIVE_INFINITY, this.options.maxEntries + 1);
    const reader = await this.connection.runAndReadAll(
      `SELECT ${FIELDS.map((f) => LOKI_LOG_COLUMNS[f]).join(", ")} FROM ${this.view} WHERE ${where.join(" AND ")}
       ORDER BY ${LOKI_TIME_SQL} ${request.direction === "forward" ? "ASC" : "DESC"}${Number.isFinite(cap) ? ` LIMIT ${cap}` : ""}`,
    );
    stopIfAborted(signal);
    const columns = reader.getColumns();
    const rows = columns[0]?.length ?? 0;
    if (rows > this.options.maxEntries) {
      throw new QueryError("RESOURCE_EXHAUSTED", `the query would read more than ${this.options.maxEntries} log lines (query.max_samples); narrow its selector or range`);
    }
    const entries = new LokiEntryReader();
    const streams = new Map<string, LogStream>();
    const row = {} as Record<keyof LokiLogFields, unknown>;
    for (let i = 0; i < rows; i++) {
      for (let c = 0; c < FIELDS.length; c++) row[FIELDS[c]!] = columns[c]![i] ?? defaultOf(FIELDS[c]!);
      const entry = entries.read(row as unknown as LokiLogFields);
      // String bodies passed the filters in SQL; the others' Loki line exists only here.
      if (filters.length > 0 && !(row.body as string).startsWith('{"stringValue"') && !matchesLineFilters(entry.line, filters)) continue;
      this.linesRead++;
      this.bytesRead += entry.line.length;
      const key = labelsKey(entry.labels);
      let stream = streams.get(key);
      if (stream === undefined) streams.set(key, (stream = { labels: entry.labels, entries: [] }));
      stream.entries.push({ timestampNs: entry.timestampNs, line: entry.line, metadata: entry.metadata });
    }
    return [...streams.values()];
  }

  /** Hashes of the resources whose stream labels the matchers accept, and how many there are. */
  private async matchingResources(request: LogSelectRequest, time: string): Promise<{ matched: string[]; total: number }> {
    const reader = await this.connection.runAndReadAll(
      `SELECT ${RESOURCE_HASH_SQL}::VARCHAR, any_value(service_name), any_value(resource_schema_url), any_value(resource_attributes)
       FROM ${this.view} WHERE ${time} GROUP BY 1`,
    );
    const tests = request.matchers.map(compileMatcher);
    const split = new ResourceSplitCache();
    const matched: string[] = [];
    const all = reader.getRows();
    for (const r of all) {
      const { labels } = split.split({ serviceName: (r[1] as string) ?? "", resourceSchemaUrl: (r[2] as string) ?? "", resourceAttributes: (r[3] as string) ?? "" });
      if (tests.every((t) => t(labels))) matched.push(r[0] as string);
    }
    return { matched, total: all.length };
  }
}

function defaultOf(field: keyof LokiLogFields): unknown {
  switch (field) {
    case "timeUnixNano":
    case "observedTimeUnixNano":
      return 0n;
    case "severityNumber":
    case "droppedAttributesCount":
    case "scopeDroppedAttributesCount":
    case "flags":
      return 0;
    default:
      return "";
  }
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason = signal.reason as { name?: string } | undefined;
  if (reason?.name === "TimeoutError") throw new QueryError("DEADLINE_EXCEEDED", "query timed out");
  throw new QueryError("DEADLINE_EXCEEDED", "query was canceled");
}
