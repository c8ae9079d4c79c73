/**
 * The querier's execution engine: a query ticket + the data it may read (files and live rows
 * chosen by the caller) → one Arrow table, in the exact shapes the router expects (README.md).
 * One shared DuckDB instance serves the built-in query kinds, with a fresh connection per
 * query so each query's temp tables and views are private and vanish with it. User SQL runs in
 * a locked-down instance in a process of its own (sql-sandbox.ts, sandbox-processes.ts).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { makeData, RecordBatch, Struct, Table as ArrowTable, type Table } from "apache-arrow";
import { NulInSqlTextError, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import type { Logger } from "../../../shared/log/index.ts";
import {
  LOKI_META_TICKET_KINDS, PROMETHEUS_TICKET_KINDS, QueryError, SQL_TRUNCATED_METADATA, ticketTables, type PrometheusTicket, type Ticket,
} from "../../../shared/query/index.ts";
import type { TableName } from "../../../shared/tables/index.ts";
import { int64Data, utf8Data } from "./arrow-columns.ts";
import { withDeadline } from "./deadline.ts";
import { builtInSql, type BuiltInTicket } from "./built-in-sql.ts";
import { runPrometheusTicket } from "./prometheus/answers.ts";
import { runLokiMetaTicket, type LokiMetaEngineTicket } from "./loki/log-meta-answers.ts";
import { runLogQLTicket } from "./loki/logql.ts";
import { LogFileContexts } from "./loki/log-contexts.ts";
import { LogSampleCache } from "./loki/log-sample-cache.ts";
import { FileFamilies } from "./prometheus/file-families.ts";
import { DEFAULT_PROMQL_SAMPLE_CACHE_BYTES, FileSamplesCache } from "./prometheus/file-samples.ts";
import { FileSeriesCache } from "./prometheus/file-series.ts";
import { runTraceQLMetrics } from "./traceql-metrics/run.ts";
import { readerToTable } from "./result-to-arrow.ts";
import { FreshConnections } from "./fresh-connections.ts";
import { LazyConnection } from "./lazy-connection.ts";
import { withLiveScan } from "./live-rows.ts";
import { NO_SOURCES, createFilesView, type QuerySources, type TableSources } from "./source-view.ts";
import { MAX_EVALUATED_SPANS, runSearch } from "./search-plan.ts";
import { tagTicketFilters } from "./tags.ts";
import { searchScope } from "./search-scope.ts";
import { DEFAULT_SQL_LIMITS, SqlSandboxes, type SqlSandboxLimits } from "./sandbox-processes.ts";
import { TraceIdIndex } from "./trace-id-index.ts";
import { openLookupInstance } from "./lookup-instance.ts";
import { openQueryInstance } from "./query-instance.ts";
import { FileLayouts } from "./point-read/file-layout.ts";
import { runTraceById } from "./trace-by-id.ts";

export interface QueryEngineOptions {
  log: Logger;
  /** Hard cap on rows of any answer (user SQL: min(ticket.maxRows, this)). Default 100,000. */
  maxRows?: number;
  /** Per-query time limit. Default 30 s. */
  timeoutMs?: number;
  /** Most samples a Prometheus ticket may load (`query.max_samples`). Default 50,000,000. */
  maxSamples?: number;
  /** Most spans one TraceQL search loads into its evaluator (search-plan.ts). Default MAX_EVALUATED_SPANS. */
  maxEvaluatedSpans?: number;
  /** Bytes of decoded PromQL samples kept between queries (`query.promql_sample_cache`; 0: none). Default DEFAULT_PROMQL_SAMPLE_CACHE_BYTES. */
  promqlSampleCacheBytes?: number;
  /** DuckDB settings (threads, memory_limit, temp_directory) for the shared instance. */
  duckdbConfig?: Record<string, string>;
  /** Bounds of user SQL (memory, concurrency, result size, spill); defaults: DEFAULT_SQL_LIMITS. */
  sql?: Partial<SqlSandboxLimits>;
  /** Bytes of LogQL samples kept between queries (`query.log_sample_cache`, log-sample-cache.ts); default 0: none. */
  logSampleCacheBytes?: number;
}

const VIEW = "src";

export class QueryEngine {
  private closed = false;
  /** Trace by id's connections: a DuckDB of its own on one thread (lookup-instance.ts). */
  private readonly lookups: FreshConnections;
  /** Which span files hold which trace ids: trace by id and search read only those files. */
  private readonly traceIds = new TraceIdIndex();
  /** Where each large span file's column chunks lie: trace by id reads a trace's rows from them. */
  private readonly fileLayouts = new FileLayouts();
  /** The metric families of each Parquet file, listed once (PromQL selectors choose rows by them). */
  private readonly fileFamilies = new FileFamilies();
  /** The number series of each Parquet file and each row's series, found once (PromQL selectors place rows by them). */
  private readonly fileSeries = new FileSeriesCache();
  /** The row contexts of each log file, listed once (LogQL selectors choose rows by them). */
  private readonly logContexts = new LogFileContexts();
  private readonly connections: FreshConnections;
  private readonly sandboxes: SqlSandboxes;
  private maxEvaluatedSpans = MAX_EVALUATED_SPANS;

  private constructor(
    private readonly handle: DuckDBHandle,
    private readonly lookupHandle: DuckDBHandle,
    private readonly log: Logger,
    readonly maxRows: number,
    readonly timeoutMs: number,
    sqlLimits: SqlSandboxLimits,
    readonly maxSamples: number,
    /** The decoded samples of PromQL's file series, kept between queries (repeated dashboard queries read no file). */
    private readonly fileSamples: FileSamplesCache,
    /** The grouped samples of `| logfmt` metric queries, per file and query shape. */
    private readonly logSamples: LogSampleCache,
  ) {
    this.connections = new FreshConnections(handle.instance);
    this.lookups = new FreshConnections(lookupHandle.instance);
    this.sandboxes = new SqlSandboxes(sqlLimits, log);
  }

  static async open(opts: QueryEngineOptions): Promise<QueryEngine> {
    const handle = await openQueryInstance(opts.duckdbConfig);
    const lookupHandle = await openLookupInstance(opts.duckdbConfig);
    const sqlLimits = { ...DEFAULT_SQL_LIMITS, ...opts.sql };
    const engine = new QueryEngine(
      handle, lookupHandle, opts.log, opts.maxRows ?? 100_000, opts.timeoutMs ?? 30_000, sqlLimits, opts.maxSamples ?? 50_000_000,
      new FileSamplesCache(opts.promqlSampleCacheBytes ?? DEFAULT_PROMQL_SAMPLE_CACHE_BYTES),
      new LogSampleCache(opts.logSampleCacheBytes ?? 0),
    );
    engine.maxEvaluatedSpans = opts.maxEvaluatedSpans ?? MAX_EVALUATED_SPANS;
    return engine;
  }

  /**
   * `sources`: for single-table tickets, the sources of `ticketTables(ticket)[0]` (or a
   * per-table map); for `sql`, a per-table map (`traces`, `logs`, `metrics`; missing = empty).
   */
  async execute(ticket: Ticket, sources: QuerySources | TableSources): Promise<Table> {
    if (this.closed) throw new QueryError("INTERNAL", "query engine is closed");
    const started = performance.now();
    const perTable = isSingle(sources) ? { [ticketTables(ticket)[0]!]: sources } : sources;
    try {
      const table = ticket.kind === "sql" ? await this.executeSql(ticket, perTable) : await this.executeBuiltIn(ticket, perTable);
      this.log.info("query.executed", {
        kind: ticket.kind,
        org: ticket.org,
        bucket: ticket.bucket,
        files: countFiles(perTable),
        live_rows: countLive(perTable),
        rows: table.numRows,
        ms: Math.round(performance.now() - started),
      });
      return table;
    } catch (err) {
      const qe =
        err instanceof QueryError ? err
        : err instanceof NulInSqlTextError ? QueryError.invalid(err.message, { cause: err })
        : new QueryError("INTERNAL", `query failed: ${(err as Error).message}`, { cause: err });
      this.log.warn("query.failed", { kind: ticket.kind, org: ticket.org, code: qe.code, error: qe.message });
      throw qe;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sandboxes.close();
    await this.connections.close();
    await this.lookups.close();
    this.handle.close();
    this.lookupHandle.close();
  }

  private async executeSql(ticket: Extract<Ticket, { kind: "sql" }>, sources: TableSources): Promise<Table> {
    const { table, truncated } = await this.sandboxes.run({
      sql: ticket.sql,
      sources,
      maxRows: Math.min(ticket.maxRows, this.maxRows),
      timeoutMs: this.timeoutMs,
    });
    if (truncated) table.schema.metadata.set(SQL_TRUNCATED_METADATA, "true");
    return table;
  }

  private async executeBuiltIn(ticket: Exclude<Ticket, { kind: "sql" }>, sources: TableSources): Promise<Table> {
    const tableName: TableName = ticketTables(ticket)[0]!;
    const tableSources = sources[tableName] ?? NO_SOURCES;
    if (ticket.kind === "trace_by_id") {
      // Its connection only if DuckDB is needed: a trace in indexed files is read without one.
      const lookup = new LazyConnection(this.lookups);
      try {
        const context = { traceIds: this.traceIds, layouts: this.fileLayouts, maxRows: this.maxRows };
        return await withDeadline(lookup, this.timeoutMs, false, () => runTraceById(lookup.get, ticket, tableSources, context));
      } finally {
        lookup.release();
      }
    }
    const connection = await this.connections.take();
    try {
      return await withDeadline(connection, this.timeoutMs, false, async () => {
        // Search reads dedicated attribute columns instead of the JSON where it can (dedicated-sql.ts); so does a tag filter.
        const search = ticket.kind === "search";
        const metrics = ticket.kind === "traceql_metrics";
        const dedicated = search || metrics || ((ticket.kind === "tag_names" || ticket.kind === "tag_values") && tagTicketFilters(ticket));
        const { files, live, notBeforeNs } = tableSources;
        return withLiveScan(connection, tableName, live, { dedicated, needed: files.length === 0 }, async (liveSource) => {
          // Rows located (`_file`, `_row`): metrics read their exemplars by location (traceql-metrics/exemplars.ts).
          const viewOptions = { dedicated, locate: search || metrics, notBeforeNs };
          await createFilesView(connection, tableName, VIEW, liveSource, files, viewOptions);
          return this.runBuiltIn(connection, ticket, files, liveSource, notBeforeNs, live.reduce((n, b) => n + b.data.byteLength, 0));
        });
      });
    } finally {
      this.connections.discard(connection);
    }
  }

  private async runBuiltIn(
    connection: DuckDBConnection,
    ticket: Exclude<Ticket, { kind: "sql" }>,
    files: readonly string[],
    liveSource: string | null,
    notBeforeNs: bigint | undefined,
    liveBytes: number,
  ): Promise<Table> {
    if (PROMETHEUS_TICKET_KINDS.has(ticket.kind)) {
      const sources = { files, live: liveSource, fileFamilies: this.fileFamilies, fileSeries: this.fileSeries, fileSamples: this.fileSamples, ...(notBeforeNs === undefined ? {} : { notBeforeNs }) };
      return runPrometheusTicket(connection, VIEW, ticket as PrometheusTicket, this.maxSamples, this.maxRows, sources);
    }
    const logScope = { contexts: this.logContexts, files, live: liveSource, notBeforeNs, sampleCache: this.logSamples };
    if (LOKI_META_TICKET_KINDS.has(ticket.kind) || ticket.kind === "log_labels" || ticket.kind === "log_label_values") {
      return runLokiMetaTicket(connection, VIEW, ticket as LokiMetaEngineTicket, this.maxRows, { maxEntries: this.maxSamples, scope: logScope });
    }
    if (ticket.kind === "logql") return runLogQLTicket(connection, VIEW, ticket, this.maxSamples, this.maxRows, logScope);
    if (ticket.kind === "traceql_metrics") return runTraceQLMetrics(connection, VIEW, ticket, await bytesOf(files), this.maxRows, this.maxEvaluatedSpans);
    if (ticket.kind === "search") {
      const scope = searchScope(connection, VIEW, liveSource, files, this.traceIds, notBeforeNs, liveBytes);
      return runSearch(connection, ticket, scope, this.maxRows, this.maxEvaluatedSpans);
    }
    const { sql, schema } = builtInSql(ticket as BuiltInTicket, VIEW, this.maxRows);
    const reader = await connection.runAndReadAll(sql);
    return readerToTable(reader, schema, this.maxRows);
  }

}

/** Size of the Parquet files a query reads (Tempo's inspectedBytes counts the blocks' bytes read). */
async function bytesOf(files: readonly string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += Bun.file(f).size;
  return total;
}

function isSingle(sources: QuerySources | TableSources): sources is QuerySources {
  return Array.isArray((sources as QuerySources).files) && Array.isArray((sources as QuerySources).live);
}

function countFiles(sources: TableSources): number {
  return Object.values(sources).reduce((n, s) => n + (s?.files.length ?? 0), 0);
}

function countLive(sources: TableSources): number {
  return Object.values(sources).reduce((n, s) => n + (s?.live.reduce((m, b) => m + b.numRows, 0) ?? 0), 0);
}
