/**
 * The `logs` table (Parquet files + live rows, the engine's source view) as a LogQL
 * `LogSource` (shared/query/logql/source.ts), in Loki's data model (shared/loki):
 * 1. the distinct row contexts in the range — resource, scope and severity, which repeat
 *    over many rows — are read once and their resources turned into stream labels in JS
 *    (Loki's index lookup), and the selector's matchers tested on them;
 * 2. only the rows of the matching contexts are read, each naming its context by number, with
 *    the hinted line filters pushed down (line-filter-sql.ts), sorted in the requested
 *    direction, cut at `limit` when the evaluator allows it. Few columns cross into
 *    JavaScript: converting DuckDB values is the cost of a read;
 * 3. each row becomes a Loki entry (line, structured metadata) of its context's stream.
 * A read past `maxEntries` is refused before the rows reach JavaScript.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { LOKI_TIME_SQL, SERVICE_NAME_LABEL, logLine, splitResource, structuredMetadata, type LokiLogFields, type ResourceSplit } from "../../../../shared/loki/index.ts";
import { QueryError } from "../../../../shared/query/index.ts";
import { matchesLineFilters, type LogSampleAnswer, type LogSampleRequest, type LogSelectRequest, type LogSource, type LogStream } from "../../../../shared/query/logql/index.ts";
import { compileMatcher, labelsKey } from "../../../../shared/series/index.ts";
import { lineFiltersSql } from "./line-filter-sql.ts";
import { selectLogSamples } from "./log-samples.ts";

export interface LogSourceOptions {
  /** Most entries one select may read (`query.max_samples`): past it, RESOURCE_EXHAUSTED. */
  maxEntries: number;
}

/** The columns constant over many rows: one context per distinct combination. */
const CONTEXT_COLUMNS = [
  "service_name", "resource_schema_url", "resource_attributes", "scope_name", "scope_version", "scope_attributes",
  "scope_dropped_attributes_count", "severity_text", "severity_number",
] as const;
export const CONTEXT_HASH_SQL = `hash(${CONTEXT_COLUMNS.join(", ")})`;
/** Up to this many matching contexts are named in the query; more go to a temp table joined on. */
const MAX_LISTED_CONTEXTS = 64;
let contextTables = 0;
/** The rarely set record fields, as one text (NULL when none is set). */
const EXTRAS_SQL =
  "CASE WHEN dropped_attributes_count <> 0 OR flags <> 0 OR event_name <> '' " +
  "THEN concat_ws(chr(1), dropped_attributes_count, flags, event_name) END";

export interface RowContext {
  fields: Pick<LokiLogFields, (typeof CONTEXT_FIELDS)[number]>;
  resource: ResourceSplit;
  streamKey: string;
}

const CONTEXT_FIELDS = [
  "serviceName", "resourceSchemaUrl", "resourceAttributes", "scopeName", "scopeVersion", "scopeAttributes",
  "scopeDroppedAttributesCount", "severityText", "severityNumber",
] as const;

export class DuckDBLogSource implements LogSource {
  /** Lines and bytes of every entry read, for Loki's stats. */
  linesRead = 0;
  bytesRead = 0;

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly view: string,
    private readonly options: LogSourceOptions,
  ) {}

  /** Grouped samples of `| logfmt` metric queries, in SQL (log-samples.ts). */
  selectSamples(request: LogSampleRequest, signal?: AbortSignal): Promise<LogSampleAnswer | undefined> {
    return selectLogSamples(this.connection, this.view, this, request, signal);
  }

  /** `rowFilter`: a further SQL condition on the view's rows (log-samples.ts leaves it the rows it cannot group). */
  async select(request: LogSelectRequest, signal?: AbortSignal, rowFilter?: string): Promise<LogStream[]> {
    const time = [`${LOKI_TIME_SQL} >= ${request.startNs} AND ${LOKI_TIME_SQL} < ${request.endNs}`, ...serviceNamePrefilters(request.matchers)].join(" AND ");
    const { contexts, hashes, total } = await this.matchingContexts(request, time);
    stopIfAborted(signal);
    if (contexts.length === 0) return [];
    const where = [time, ...(rowFilter !== undefined ? [rowFilter] : [])];
    let from = this.view;
    let contextOf = "1";
    if (contexts.length > MAX_LISTED_CONTEXTS) {
      // Many contexts: a join on a table of them, not a list searched on every row.
      const table = `_loki_contexts_${++contextTables}`;
      await this.connection.run(
        `CREATE TEMP TABLE ${table} AS SELECT * FROM (VALUES ${hashes.map((h, i) => `(${h}::UBIGINT, ${i + 1})`).join(", ")}) t(h, i)`,
      );
      from = `${this.view} JOIN ${table} ON ${table}.h = ${CONTEXT_HASH_SQL}`;
      contextOf = `${table}.i`;
    } else if (contexts.length > 1 || contexts.length < total) {
      if (contexts.length < total) where.push(`${CONTEXT_HASH_SQL} IN (${hashes.join(", ")})`);
      if (contexts.length > 1) contextOf = `list_position([${hashes.join(", ")}]::UBIGINT[], ${CONTEXT_HASH_SQL})`;
    }
    const filters = request.lineFilters ?? [];
    const pushed = lineFiltersSql(filters);
    if (pushed !== undefined) where.push(pushed);
    const cap = Math.min(request.limit ?? Number.POSITIVE_INFINITY, this.options.maxEntries + 1);
    const reader = await this.connection.runAndReadAll(
      `SELECT ${contextOf}::INTEGER, ${LOKI_TIME_SQL}, CASE WHEN time_unix_nano <> 0 THEN observed_time_unix_nano ELSE 0 END,
              body, attributes, trace_id, span_id, ${EXTRAS_SQL}
       FROM ${from} WHERE ${where.join(" AND ")}
       ORDER BY ${LOKI_TIME_SQL} ${request.direction === "forward" ? "ASC" : "DESC"}${Number.isFinite(cap) ? ` LIMIT ${cap}` : ""}`,
    );
    stopIfAborted(signal);
    const columns = reader.getColumns();
    const rows = columns[0]?.length ?? 0;
    if (rows > this.options.maxEntries) {
      throw new QueryError("RESOURCE_EXHAUSTED", `the query would read more than ${this.options.maxEntries} log lines (query.max_samples); narrow its selector or range`);
    }
    const [context, times, observed, body, attributes, traceId, spanId, extras] = columns as [number[], bigint[], bigint[], string[], string[], string[], string[], (string | null)[]];
    const streams = new Map<string, LogStream>();
    for (let i = 0; i < rows; i++) {
      const ctx = contexts[context[i]! - 1]!;
      const extra = extras[i]?.split("\u0001");
      const row: LokiLogFields = {
        ...ctx.fields,
        timeUnixNano: times[i]!,
        observedTimeUnixNano: observed[i] ?? 0n,
        body: body[i] ?? "",
        attributes: attributes[i] ?? "",
        traceId: traceId[i] ?? "",
        spanId: spanId[i] ?? "",
        droppedAttributesCount: extra ? Number(extra[0]) : 0,
        flags: extra ? Number(extra[1]) : 0,
        eventName: extra?.[2] ?? "",
      };
      const line = logLine(row.body);
      // String bodies passed the filters in SQL; the others' Loki line exists only here.
      if (filters.length > 0 && !row.body.startsWith('{"stringValue"') && !matchesLineFilters(line, filters)) continue;
      this.linesRead++;
      this.bytesRead += line.length;
      let stream = streams.get(ctx.streamKey);
      if (stream === undefined) streams.set(ctx.streamKey, (stream = { labels: ctx.resource.labels, entries: [] }));
      stream.entries.push({ timestampNs: row.timeUnixNano, line, metadata: structuredMetadata(row, ctx.resource, line) });
    }
    return [...streams.values()];
  }

  /** The contexts whose stream labels the matchers accept (with their hashes), and how many there are in all. */
  async matchingContexts(request: Pick<LogSelectRequest, "matchers">, time: string): Promise<{ contexts: RowContext[]; hashes: string[]; total: number }> {
    const reader = await this.connection.runAndReadAll(
      // Grouped by the columns, hashed per group: hashing every row costs more than grouping.
      `SELECT ${CONTEXT_HASH_SQL}::VARCHAR, ${CONTEXT_COLUMNS.join(", ")}
       FROM ${this.view} WHERE ${time} GROUP BY ${CONTEXT_COLUMNS.join(", ")}`,
    );
    const tests = request.matchers.map(compileMatcher);
    const splits = new Map<string, ResourceSplit>();
    const contexts: RowContext[] = [];
    const hashes: string[] = [];
    const all = reader.getRows();
    for (const r of all) {
      const fields = Object.fromEntries(CONTEXT_FIELDS.map((f, i) => [f, r[i + 1] ?? (typeof r[i + 1] === "number" ? 0 : "")])) as RowContext["fields"];
      fields.severityNumber = Number(fields.severityNumber ?? 0);
      fields.scopeDroppedAttributesCount = Number(fields.scopeDroppedAttributesCount ?? 0);
      const resourceKey = `${fields.serviceName}\u0000${fields.resourceSchemaUrl}\u0000${fields.resourceAttributes}`;
      let resource = splits.get(resourceKey);
      if (resource === undefined) splits.set(resourceKey, (resource = splitResource(fields)));
      if (!tests.every((t) => t(resource.labels))) continue;
      contexts.push({ fields, resource, streamKey: labelsKey(resource.labels) });
      hashes.push(r[0] as string);
    }
    return { contexts, hashes, total: all.length };
  }
}

/**
 * `service_name` matchers as a superset filter on the table's `service_name` column, which
 * the files are sorted by (so DuckDB skips row groups): the column holds the label's value,
 * or "" when the label was discovered from another one (stream-labels.ts).
 */
export function serviceNamePrefilters(matchers: LogSelectRequest["matchers"]): string[] {
  return matchers
    .filter((m) => m.name === SERVICE_NAME_LABEL && m.op === "=" && m.value !== "")
    .map((m) => `service_name IN (${quoteLiteral(m.value)}, '')`);
}

export function stopIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason = signal.reason as { name?: string } | undefined;
  if (reason?.name === "TimeoutError") throw new QueryError("DEADLINE_EXCEEDED", "query timed out");
  throw new QueryError("DEADLINE_EXCEEDED", "query was canceled");
}
