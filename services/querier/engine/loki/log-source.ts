/**
 * The `logs` table (Parquet files + live rows, the engine's source view) as a LogQL
 * `LogSource` (shared/query/logql/source.ts), in Loki's data model (shared/loki):
 * 1. the row contexts — resource, scope and severity, which repeat over many rows — are
 *    listed once per file (log-contexts.ts), their resources turned into stream labels in JS
 *    (Loki's index lookup), and the selector's matchers tested on them;
 * 2. only the rows of the matching contexts are read (log-select-sql.ts), with the hinted
 *    line filters pushed down (line-filter-sql.ts), sorted in the requested direction. Cut at
 *    `limit` when the evaluator allows it, the range is read in time windows from its newest
 *    end (oldest, forward) until they hold `limit` entries (log-time-walk.ts). Few
 *    columns cross into JavaScript: converting DuckDB values is the cost of a read;
 * 3. each row becomes a Loki entry (line, structured metadata) of its context's stream.
 * A read past `maxEntries` is refused before the rows reach JavaScript.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { logLine, SERVICE_NAME_LABEL, structuredMetadata, type LokiLogFields } from "../../../../shared/loki/index.ts";
import { QueryError } from "../../../../shared/query/index.ts";
import { matchesLineFilters, type LineFilterHint, type LogSampleAnswer, type LogSampleRequest, type LogSelectRequest, type LogSource, type LogStream } from "../../../../shared/query/logql/index.ts";
import { compileMatcher, type LabelMatcher } from "../../../../shared/series/index.ts";
import { createFilesView } from "../source-view.ts";
import type { LogFileContexts, RowContext, ScopeContexts } from "./log-contexts.ts";
import { sourcesIn, timeWindows, walkSources } from "./log-time-walk.ts";
import { logSelectSql, type LogSelectPlan } from "./log-select-sql.ts";
import { selectLogSamples } from "./log-samples.ts";
import type { LogSampleCache } from "./log-sample-cache.ts";
import type { SampleFiles, SampleViews } from "./log-sample-files.ts";

export interface LogSourceOptions {
  /** Most entries one select may read (`query.max_samples`): past it, RESOURCE_EXHAUSTED. */
  maxEntries: number;
  /** Where the view's rows come from: the files' contexts are listed once per file (log-contexts.ts). */
  scope: LogSourceScope;
}

export interface LogSourceScope {
  contexts: LogFileContexts;
  /** The Parquet files of the view. */
  files: readonly string[];
  /** The view's live rows, a table expression; null: none. */
  live: string | null;
  /** Retention: rows before it are in no view (source-view.ts). */
  notBeforeNs?: bigint;
  /** Grouped samples kept between queries (log-sample-cache.ts); absent: none are. */
  sampleCache?: LogSampleCache;
}

/** With line filters, the rows of the matching contexts a first window should hold per entry wanted. */
const FILTERED_ROWS_PER_ENTRY = 16;
/** …and at least this many (a row group's worth: fewer are read anyway). */
const MIN_FILTERED_WINDOW_ROWS = 4096;

let tempTables = 0;

/** Rows as the select SQL answers them (log-select-sql.ts): context hash, Loki time, observed time, body, attributes, trace, span, extras. */
type Rows = [(bigint | null)[], bigint[], bigint[], string[], string[], string[], string[], (string | null)[]];

export class DuckDBLogSource implements LogSource {
  /** Lines and bytes of every entry read, for Loki's stats. */
  linesRead = 0;
  bytesRead = 0;
  /** The scope's contexts, per selector's `service_name` matchers (log-contexts.ts lists only the services they accept). */
  private readonly scopeContexts = new Map<string, Promise<ScopeContexts>>();

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly view: string,
    private readonly options: LogSourceOptions,
  ) {}

  /** Grouped samples of `| logfmt` metric queries, in SQL (log-samples.ts). */
  selectSamples(request: LogSampleRequest, signal?: AbortSignal): Promise<LogSampleAnswer | undefined> {
    return selectLogSamples(this.connection, this.view, this, request, signal);
  }

  /** The files whose grouped samples may be kept between queries (log-sample-files.ts). */
  async sampleFiles(): Promise<SampleFiles | undefined> {
    const { sampleCache: cache, files, live, notBeforeNs } = this.options.scope;
    if (cache === undefined || !cache.enabled || files.length === 0) return undefined;
    const spans = new Map<string, { minNs: bigint; maxNs: bigint }>();
    for (const [file, { minNs, maxNs }] of await this.options.scope.contexts.fileSpans(this.connection, files)) {
      if (notBeforeNs === undefined || minNs >= notBeforeNs) spans.set(file, { minNs, maxNs });
    }
    return { cache, files, spans, live: live !== null };
  }

  /** The files whose footers say every row of `services` is a plain logfmt line (log-contexts.ts). */
  plainLogfmtFiles(services: readonly string[]): Promise<ReadonlySet<string>> {
    return this.options.scope.contexts.plainLogfmtFiles(this.connection, this.options.scope.files, services);
  }

  /** Views over the scope's files (`some` of them, or all) for a samples query: those in `plain` apart (log-sample-files.ts). */
  async sampleViews(plain: ReadonlySet<string>, some: readonly string[] | undefined, locate: boolean): Promise<SampleViews> {
    const { files, live, notBeforeNs } = this.options.scope;
    const chosen = some ?? files;
    const plainFiles = chosen.filter((f) => plain.has(f));
    const others = chosen.filter((f) => !plain.has(f));
    const options = { locate, ...(notBeforeNs !== undefined ? { notBeforeNs } : {}) };
    const views: SampleViews = { plain: null, rest: null };
    if (plainFiles.length > 0) await createFilesView(this.connection, "logs", (views.plain = `${this.view}_plain`), null, plainFiles, options);
    if (others.length > 0 || live !== null) await createFilesView(this.connection, "logs", (views.rest = `${this.view}_rest`), live, others, options);
    return views;
  }

  /**
   * The scope's contexts whose stream labels the matchers accept, and the scope's contexts of
   * every service they may accept (all the scope's contexts when `complete`).
   */
  async matchingContexts(request: Pick<LogSelectRequest, "matchers">): Promise<{ contexts: RowContext[]; all: readonly RowContext[]; complete: boolean }> {
    const { all, complete } = await this.contexts(request.matchers);
    const tests = request.matchers.map(compileMatcher);
    return { contexts: all.filter((c) => tests.every((t) => t(c.resource.labels))), all, complete };
  }

  /** `rowFilter`: a further SQL condition on the view's rows (log-samples.ts leaves it the rows it cannot group). */
  async select(request: LogSelectRequest, signal?: AbortSignal, rowFilter?: string): Promise<LogStream[]> {
    const contexts = await this.contexts(request.matchers);
    const { all, complete } = contexts;
    const { contexts: matching } = await this.matchingContexts(request);
    stopIfAborted(signal);
    if (matching.length === 0) return [];
    const filters = request.lineFilters ?? [];
    const cap = Math.min(request.limit ?? Number.POSITIVE_INFINITY, this.options.maxEntries + 1);
    const plan: LogSelectPlan = {
      view: this.view, startNs: request.startNs, endNs: request.endNs, direction: request.direction, cap, matching, all, complete, lineFilters: filters,
      ...(rowFilter !== undefined ? { rowFilter } : {}),
      tempTable: () => `_loki_contexts_${++tempTables}`,
    };
    const rows = Number.isFinite(cap) ? await this.walk(plan, contexts, cap, signal) : await this.read(plan);
    stopIfAborted(signal);
    const count = rows[0].length;
    if (count > this.options.maxEntries) {
      throw new QueryError("RESOURCE_EXHAUSTED", `the query would read more than ${this.options.maxEntries} log lines (query.max_samples); narrow its selector or range`);
    }
    const [context, times, observed, body, attributes, traceId, spanId, extras] = rows;
    const only = matching.length === 1 ? matching[0] : undefined;
    const byHash = new Map(matching.map((c) => [c.hash, c]));
    const streams = new Map<string, LogStream>();
    for (let i = 0; i < count; i++) {
      const ctx: RowContext = only ?? byHash.get(context[i]!)!;
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
      // String bodies passed the filters in SQL; the others' Loki line exists only here.
      if (!passesInJs(row.body, filters)) continue;
      const line = logLine(row.body);
      this.linesRead++;
      this.bytesRead += line.length;
      let stream = streams.get(ctx.streamKey);
      if (stream === undefined) streams.set(ctx.streamKey, (stream = { labels: ctx.resource.labels, entries: [] }));
      stream.entries.push({ timestampNs: row.timeUnixNano, line, metadata: structuredMetadata(row, ctx.resource, line) });
    }
    return [...streams.values()];
  }

  /**
   * The scope's contexts of the services `matchers` may accept (undefined: all): they depend on
   * nothing else of the request, so one listing serves every select of the query with them.
   */
  private contexts(matchers?: readonly LabelMatcher[]): Promise<ScopeContexts> {
    const { contexts, files, live } = this.options.scope;
    const services = matchers?.filter((m) => m.name === SERVICE_NAME_LABEL);
    const key = services === undefined ? "*" : JSON.stringify(services.map((m) => [m.op, m.value]).sort());
    let listed = this.scopeContexts.get(key);
    if (listed === undefined) this.scopeContexts.set(key, (listed = contexts.of(this.connection, files, live, services)));
    return listed;
  }

  private async read(plan: LogSelectPlan): Promise<Rows> {
    const { setup, sql } = logSelectSql(plan);
    for (const statement of setup) await this.connection.run(statement);
    const reader = await this.connection.runAndReadAll(sql);
    // A result of no rows has no chunks, and so no columns to read.
    return reader.currentRowCount === 0 ? emptyRows() : (reader.getColumns() as Rows);
  }

  /**
   * The plan's first `wanted` rows that pass the line filters (or all, if fewer). SQL tests them on string
   * bodies only; a row with another body passes there, and its Loki line (built in JS) may
   * fail them — it must not take the place of a row that passes, so the read is repeated,
   * larger, until `wanted` rows pass or the plan has no more.
   */
  private async readPassing(plan: LogSelectPlan, wanted: number): Promise<Rows> {
    for (let limit = wanted; ; ) {
      const rows = await this.read({ ...plan, cap: limit });
      const count = rows[0].length;
      const passing = plan.lineFilters.length === 0 ? [] : rows[3].flatMap((b, i) => (passesInJs(b ?? "", plan.lineFilters) ? [i] : []));
      if (plan.lineFilters.length === 0 || passing.length === count) return rows;
      if (count < limit || passing.length >= wanted) return rows.map((column) => passing.map((i) => column[i])) as Rows;
      limit += (count - passing.length) * 2;
    }
  }

  /** The first `cap` rows in the plan's direction, read window by window (log-time-walk.ts). */
  private async walk(plan: LogSelectPlan, contexts: ScopeContexts, cap: number, signal: AbortSignal | undefined): Promise<Rows> {
    const { files, notBeforeNs } = this.options.scope;
    // A file the listing does not know (none in practice) could hold anything: no walk.
    if (files.some((f) => !contexts.spans.has(f))) return this.read(plan);
    const sources = walkSources(contexts.spans, contexts.liveSpans, plan.matching, plan.startNs, plan.endNs);
    // Without line filters every row of the matching contexts is an entry.
    const wanted = plan.lineFilters.length === 0 ? cap * 1.25 : Math.max(cap * FILTERED_ROWS_PER_ENTRY, MIN_FILTERED_WINDOW_ROWS);
    const view = `${this.view}_window`;
    let found = emptyRows();
    for (const [lo, hi] of timeWindows(sources, plan.startNs, plan.endNs, plan.direction, wanted)) {
      const inWindow = sourcesIn(sources, lo, hi);
      if (inWindow.length === 0) continue;
      const group = inWindow.flatMap((s) => (s.path === null ? [] : [s.path]));
      const live = inWindow.some((s) => s.path === null) ? this.options.scope.live : null;
      await createFilesView(this.connection, "logs", view, live, group, notBeforeNs !== undefined ? { notBeforeNs } : {});
      const rows = await this.readPassing({ ...plan, view, startNs: lo, endNs: hi }, cap - found[0].length);
      if (found[0].length === 0) found = rows;
      else for (let c = 0; c < found.length; c++) for (const value of rows[c]!) (found[c] as unknown[]).push(value);
      stopIfAborted(signal);
      if (found[0].length >= cap) break;
    }
    return found;
  }
}

/** Whether a row the SQL line filters kept passes them: a string body did; another body's Loki line is tested here. */
function passesInJs(body: string, filters: readonly LineFilterHint[]): boolean {
  return filters.length === 0 || body.startsWith('{"stringValue"') || matchesLineFilters(logLine(body), filters);
}

function emptyRows(): Rows {
  return [[], [], [], [], [], [], [], []];
}

export function stopIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason = signal.reason as { name?: string } | undefined;
  if (reason?.name === "TimeoutError") throw new QueryError("DEADLINE_EXCEEDED", "query timed out");
  throw new QueryError("DEADLINE_EXCEEDED", "query was canceled");
}
