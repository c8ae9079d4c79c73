/**
 * The `metrics` table (Parquet files + live rows, the engine's source view) as a SeriesSource:
 * the series a selector asks for, built by the one OTLP → Prometheus mapping
 * (shared/series/otlp). Pushed down to DuckDB: the time range; the metric name (the families
 * present in the range are listed first and mapped in JS, then only the rows of families whose
 * Prometheus or OTLP name the `__name__` matchers accept are read); and, as a superset filter,
 * each equality matcher whose value must appear in the row's attribute text. Every matcher
 * is then applied exactly to the mapped labels.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { SeriesCollector, TARGET_INFO, type MetricIdentity, type StoredMetricRow } from "../../../../shared/series/otlp/index.ts";
import { compileMatcher, METRIC_NAME_LABEL, type LabelMatcher, type Labels, type RawSeries, type SelectRequest, type SeriesSource } from "../../../../shared/series/index.ts";
import { REMOTE_WRITE_METADATA_TYPE, REMOTE_WRITE_SAMPLE_TYPE } from "../../../../shared/tables/index.ts";
import { PromQLError, tooManySamples, tooManySeries } from "../../../../shared/query/promql/index.ts";
import { identityKey, type FileFamilies } from "./file-families.ts";
import { FileSamplesCache } from "./file-samples.ts";
import { FileSeriesCache } from "./file-series.ts";
import { readNumberSeries } from "./number-series.ts";

export interface MetricsSourceOptions {
  /** Most samples one select may return (`query.max_samples`): past it, RESOURCE_EXHAUSTED. */
  maxSamples: number;
  /** Most series all selects of one query may fetch together (the org's `limits.max_query_series`). */
  maxSeries?: number;
  /**
   * Where the view's rows come from, so the families a selector may name are listed from the
   * per-file cache plus the live rows instead of a scan of every row in the range.
   */
  sources?: MetricsSources;
}

/** The view's Parquet files and live-row source, and the per-file family and series caches. */
export interface MetricsSources {
  files: readonly string[];
  live: string | null;
  /** Rows whose time is below this are past retention (the view leaves them out; so must a read of its files). */
  notBeforeNs?: bigint;
  fileFamilies: FileFamilies;
  fileSeries: FileSeriesCache;
  /** Decoded samples of the files, kept between queries (file-samples.ts). */
  fileSamples: FileSamplesCache;
}

/** For a source without known files: never asked for any. */
const NO_FILE_SERIES = new FileSeriesCache();
const NO_FILE_SAMPLES = new FileSamplesCache(0);

/** Labels whose value is not in the attribute text as written (built from several, or from the point's shape). */
const NOT_IN_TEXT = new Set([METRIC_NAME_LABEL, "le", "quantile", "job"]);
/** Metric types with one sample per row: read grouped by series. */
const NUMBER_TYPES: ReadonlySet<string> = new Set(["gauge", "sum", REMOTE_WRITE_SAMPLE_TYPE]);
const PLAIN_VALUE = /^[A-Za-z0-9_.:\-/ @]+$/;


export class DuckDBMetricsSource implements SeriesSource {
  /** Series fetched so far by this query's selects: the series limit bounds their sum. */
  private fetchedSeries = 0;

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly view: string,
    private readonly options: MetricsSourceOptions,
  ) {}

  async select(request: SelectRequest, signal?: AbortSignal): Promise<RawSeries[]> {
    const collector = new SeriesCollector(request.matchers);
    const range = timeRange(request.startMs, request.endMs);
    const identities = await this.families(range);
    stopIfAborted(signal);
    const selected = identities.filter((id) => collector.selection(id).base !== null);
    const names = (ids: MetricIdentity[]) => [...new Set(ids.map((s) => s.name))].map(quoteLiteral).join(", ");
    const numbers = selected.filter((id) => NUMBER_TYPES.has(id.type));
    const distributions = selected.filter((id) => !NUMBER_TYPES.has(id.type));
    if (distributions.length > 0) {
      // Every row is at least one sample: a selection past the limit is refused before its rows are read into memory.
      const where = [range, `metric_name IN (${names(selected)})`, ...prefilters(request.matchers)];
      const counted = await this.connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${this.view} WHERE ${where.join(" AND ")}`);
      if ((counted.getRows()[0]?.[0] as number) > this.options.maxSamples) throw tooManySamples();
    }
    if (numbers.length > 0) {
      // Counted per series before any sample is read (number-series.ts).
      const sources = this.options.sources;
      const retained = sources?.notBeforeNs === undefined ? [] : [`time_unix_nano >= ${sources.notBeforeNs}`];
      await readNumberSeries(
        {
          connection: this.connection,
          where: [range, `metric_name IN (${names(numbers)})`, `metric_type IN (${[...NUMBER_TYPES].map(quoteLiteral).join(", ")})`, ...prefilters(request.matchers), ...retained],
          names: new Set(numbers.map((id) => id.name)), numberTypes: [...NUMBER_TYPES],
          files: sources?.files ?? [], fileSeries: sources?.fileSeries ?? NO_FILE_SERIES, fileSamples: sources?.fileSamples ?? NO_FILE_SAMPLES,
          conditions: { fromMs: request.startMs, toMs: request.endMs, contains: prefilterTexts(request.matchers), ...(sources?.notBeforeNs === undefined ? {} : { notBeforeNs: sources.notBeforeNs }) }, rest: sources === undefined ? this.view : sources.live, source: this.view,
          maxSamples: this.options.maxSamples - collector.samples, tooManySamples, checkStopped: () => stopIfAborted(signal),
        },
        collector,
      );
      if (collector.samples > this.options.maxSamples) throw tooManySamples();
    }
    if (distributions.length > 0) {
      const where = [range, `metric_name IN (${names(distributions)})`, ...prefilters(request.matchers)];
      const reader = await this.connection.runAndReadAll(
        `SELECT metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality,
                (time_unix_nano // 1000000)::DOUBLE, coalesce(value_double, value_int::DOUBLE), count::DOUBLE, sum,
                distribution, flags::INTEGER, attributes, resource_attributes
         FROM ${this.view} WHERE ${where.join(" AND ")} AND metric_type NOT IN (${[...NUMBER_TYPES].map(quoteLiteral).join(", ")})`,
      );
      stopIfAborted(signal);
      for (const r of reader.getRows()) {
        collector.add({
          name: r[0] as string, unit: r[1] as string, type: r[2] as string, monotonic: r[3] as boolean, temporality: r[4] as number,
          timeMs: r[5] as number, value: r[6] as number | null, count: r[7] as number | null, sum: r[8] as number | null,
          distribution: r[9] as string, flags: r[10] as number, attributes: r[11] as string, resourceAttributes: r[12] as string,
        } satisfies StoredMetricRow);
        if (collector.samples > this.options.maxSamples) throw tooManySamples();
      }
    }
    if (mayMatchTargetInfo(request.matchers)) await this.targetInfo(collector, range);
    if (collector.samples > this.options.maxSamples) throw tooManySamples();
    const series = collector.finish();
    this.fetchedSeries += series.length;
    if (this.options.maxSeries !== undefined && this.fetchedSeries > this.options.maxSeries) throw tooManySeries(this.options.maxSeries);
    return series;
  }

  /**
   * The label sets of the series a selector matches in the range, without their samples: one
   * row per distinct series shape is read (identity, attributes, bucket bounds or quantiles),
   * so the series, labels and label values APIs cost series, not samples.
   */
  async labelSets(request: SelectRequest): Promise<Labels[]> {
    const collector = new SeriesCollector(request.matchers);
    const range = timeRange(request.startMs, request.endMs);
    const selected = (await this.families(range)).filter((id) => collector.selection(id).base !== null);
    if (selected.length > 0) {
      const where = [range, `metric_name IN (${[...new Set(selected.map((s) => s.name))].map(quoteLiteral).join(", ")})`, ...prefilters(request.matchers)];
      const reader = await this.connection.runAndReadAll(
        `SELECT metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality, any_value(distribution), attributes, resource_attributes
         FROM ${this.view} WHERE ${where.join(" AND ")}
         GROUP BY metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality, attributes, resource_attributes,
                  CASE metric_type WHEN 'histogram' THEN json_extract(distribution, '$.explicitBounds')::VARCHAR
                                   WHEN 'summary' THEN json_extract(distribution, '$.quantileValues[*].quantile')::VARCHAR ELSE '' END`,
      );
      for (const r of reader.getRows()) {
        collector.add({
          name: r[0] as string, unit: r[1] as string, type: r[2] as string, monotonic: r[3] as boolean, temporality: r[4] as number,
          timeMs: 0, value: 0, count: 0, sum: 0, distribution: r[5] as string, flags: 0, attributes: r[6] as string, resourceAttributes: r[7] as string,
        });
      }
    }
    if (mayMatchTargetInfo(request.matchers)) await this.targetInfo(collector, range, true);
    return collector.finish().map((s) => s.labels);
  }

  /**
   * The distinct metric identities with rows in the range (metadata rows aside). Unless
   * `exact`, a superset may come back (the families of the files the range touches, from
   * their cache): enough to choose which rows a selector reads.
   */
  async families(range: string, exact = false): Promise<MetricIdentity[]> {
    const sources = this.options.sources;
    if (exact || sources === undefined) return this.familiesOf(this.view, range);
    const all = new Map<string, MetricIdentity>();
    for (const id of await sources.fileFamilies.of(this.connection, sources.files)) all.set(identityKey(id), id);
    if (sources.live !== null) for (const id of await this.familiesOf(sources.live, range)) all.set(identityKey(id), id);
    return [...all.values()];
  }

  private async familiesOf(from: string, range: string): Promise<MetricIdentity[]> {
    const reader = await this.connection.runAndReadAll(
      `SELECT DISTINCT metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality FROM ${from}
       WHERE ${range} AND metric_type <> ${quoteLiteral(REMOTE_WRITE_METADATA_TYPE)}`,
    );
    return reader.getRows().map((r) => ({ name: r[0] as string, unit: r[1] as string, type: r[2] as string, monotonic: r[3] as boolean, temporality: r[4] as number }));
  }

  /** target_info: one sample per OTLP resource and point time. */
  private async targetInfo(collector: SeriesCollector, range: string, labelsOnly = false): Promise<void> {
    const time = labelsOnly ? "0::DOUBLE" : "(time_unix_nano // 1000000)::DOUBLE";
    const reader = await this.connection.runAndReadAll(
      `SELECT DISTINCT resource_attributes, ${time} FROM ${this.view}
       WHERE ${range} AND metric_type NOT IN (${quoteLiteral(REMOTE_WRITE_SAMPLE_TYPE)}, ${quoteLiteral(REMOTE_WRITE_METADATA_TYPE)})`,
    );
    for (const r of reader.getRows()) collector.addTargetInfo(r[0] as string, r[1] as number);
  }
}

/** A query stopped by its deadline answers Prometheus's `timeout`; any other stop `canceled`. */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason = signal.reason as { name?: string } | undefined;
  if (reason?.name === "TimeoutError") throw new PromQLError("timeout", "query timed out in query execution");
  throw new PromQLError("canceled", "query was canceled in query execution");
}

/** The row filter of [startMs, endMs] (inclusive, in the table's nanoseconds). */
export function timeRange(startMs: number, endMs: number): string {
  const ns = (ms: number) => (BigInt(Math.floor(ms)) * 1_000_000n).toString();
  return `time_unix_nano BETWEEN ${ns(startMs)} AND ${ns(endMs)} + 999999`;
}

function prefilters(matchers: readonly LabelMatcher[]): string[] {
  return prefilterTexts(matchers).map((text) => `(contains(attributes, ${quoteLiteral(text)}) OR contains(resource_attributes, ${quoteLiteral(text)}))`);
}

/** Texts a row's attribute texts must contain, one of them at least, for the equality matchers to hold. */
function prefilterTexts(matchers: readonly LabelMatcher[]): string[] {
  return matchers.filter((m) => m.op === "=" && m.value !== "" && !NOT_IN_TEXT.has(m.name) && PLAIN_VALUE.test(m.value)).map((m) => m.value);
}

function mayMatchTargetInfo(matchers: readonly LabelMatcher[]): boolean {
  return matchers.filter((m) => m.name === METRIC_NAME_LABEL).every((m) => compileMatcher(m)({ [METRIC_NAME_LABEL]: TARGET_INFO }));
}
