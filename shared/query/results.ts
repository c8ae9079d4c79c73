/**
 * What the querier answers each ticket kind with: the Arrow schema of every built-in result,
 * the names of its columns and the constants both sides must agree on. The querier builds
 * these schemas; the router reads the columns through these names, never through literals.
 * Beside the tickets (tickets.ts), this is the whole router ↔ querier contract.
 */
import { Field, Int64, Schema, Utf8 } from "apache-arrow";
import { tracesSchema } from "../tables/index.ts";

/** `search`: one row per matching trace, newest first. */
export const SEARCH_COLUMNS = {
  traceId: "trace_id",
  rootServiceName: "root_service_name",
  rootTraceName: "root_trace_name",
  startTimeUnixNano: "start_time_unix_nano",
  durationNano: "duration_nano",
  /** JSON array of SpanSet. */
  spanSets: "span_sets",
  /** JSON object: service name → `{ spanCount, errorCount? }` over every span of the trace (Tempo's serviceStats). */
  serviceStats: "service_stats",
} as const;

export const searchResultSchema = new Schema([
  new Field(SEARCH_COLUMNS.traceId, new Utf8(), false),
  new Field(SEARCH_COLUMNS.rootServiceName, new Utf8(), false),
  new Field(SEARCH_COLUMNS.rootTraceName, new Utf8(), false),
  new Field(SEARCH_COLUMNS.startTimeUnixNano, new Int64(), false),
  new Field(SEARCH_COLUMNS.durationNano, new Int64(), false),
  new Field(SEARCH_COLUMNS.spanSets, new Utf8(), false),
  new Field(SEARCH_COLUMNS.serviceStats, new Utf8(), false),
]);

/**
 * Schema metadata of a search result (decimal strings): traces and spans the search
 * evaluated, bytes it read. Absent (an older querier), the router counts the rows.
 */
export const SEARCH_METADATA = {
  inspectedTraces: "inspected_traces",
  inspectedSpans: "inspected_spans",
  inspectedBytes: "inspected_bytes",
} as const;

/** `root_service_name` of a trace whose root span has not arrived (Tempo's wording). */
export const ROOT_SPAN_NOT_YET_RECEIVED = "<root span not yet received>";

/** One span of a span set in `span_sets`, as Tempo's search answer carries it. */
export interface SpanSetSpan {
  spanID: string;
  name?: string;
  startTimeUnixNano: string;
  durationNanos: string;
  /** OTLP KeyValue JSON. */
  attributes?: unknown[];
}

export interface SpanSet {
  spans: SpanSetSpan[];
  /** Spans that matched, of which at most `spss` are listed. */
  matched: number;
  /** OTLP KeyValue JSON: a TraceQL pipeline's by() groups and aggregates (`by(.x)`, `count()`). */
  attributes?: unknown[];
}

/** `trace_by_id`: every span of the trace, exactly the traces table's columns. */
export const traceByIdSchema = tracesSchema;

/** Most rows a tag-values or label-values answer holds. */
export const TAG_VALUES_CAP = 1000;

/** `tag_names`: attribute names with their TraceQL scope (resource, span, intrinsic). */
export const TAG_NAME_COLUMNS = { scope: "scope", name: "name" } as const;

export const tagNamesSchema = new Schema([
  new Field(TAG_NAME_COLUMNS.scope, new Utf8(), false),
  new Field(TAG_NAME_COLUMNS.name, new Utf8(), false),
]);

/** `tag_values`: distinct values of one tag, each with its TraceQL type. */
export const TAG_VALUE_COLUMNS = { type: "type", value: "value" } as const;

export const tagValuesSchema = new Schema([
  new Field(TAG_VALUE_COLUMNS.type, new Utf8(), false),
  new Field(TAG_VALUE_COLUMNS.value, new Utf8(), false),
]);

/** `log_labels`: label names. */
export const LOG_LABEL_COLUMNS = { name: "name" } as const;
export const logLabelsSchema = new Schema([new Field(LOG_LABEL_COLUMNS.name, new Utf8(), false)]);

/** `log_label_values`: the values of one label. */
export const LOG_LABEL_VALUE_COLUMNS = { value: "value" } as const;
export const logLabelValuesSchema = new Schema([new Field(LOG_LABEL_VALUE_COLUMNS.value, new Utf8(), false)]);

/** Column names of the Prometheus tickets' answers (label sets are JSON objects in Utf8). */
export const PROM_COLUMNS = {
  labels: "labels",
  name: "name",
  value: "value",
  metric: "metric",
  type: "type",
  help: "help",
  unit: "unit",
  /** JSON `[{"labels":{…},"value":"…","timestamp":s}]`. */
  exemplars: "exemplars",
  resultType: "result_type",
  /** JSON of Prometheus's `data.result`. */
  result: "result",
  errorType: "error_type",
  error: "error",
} as const;

const promUtf8 = (name: string) => new Field(name, new Utf8(), false);

/** Result columns of each Prometheus ticket. */
export const PROMETHEUS_RESULT_SCHEMAS = {
  /** One row per series, sorted by labels. */
  prom_series: new Schema([promUtf8(PROM_COLUMNS.labels)]),
  /** Sorted label names. */
  prom_labels: new Schema([promUtf8(PROM_COLUMNS.name)]),
  /** Sorted values. */
  prom_label_values: new Schema([promUtf8(PROM_COLUMNS.value)]),
  /** One row per metric family and distinct (type, help, unit). */
  prom_metadata: new Schema([PROM_COLUMNS.metric, PROM_COLUMNS.type, PROM_COLUMNS.help, PROM_COLUMNS.unit].map(promUtf8)),
  /** One row per series with exemplars. */
  prom_exemplars: new Schema([promUtf8(PROM_COLUMNS.labels), promUtf8(PROM_COLUMNS.exemplars)]),
  /**
   * One row: `result_type` and `result`, or `error_type` (bad_data, execution, timeout, ...)
   * and `error` when evaluation failed — carried as data so the class survives Flight, whose
   * status codes cannot tell them apart.
   */
  promql: new Schema([PROM_COLUMNS.resultType, PROM_COLUMNS.result, PROM_COLUMNS.errorType, PROM_COLUMNS.error].map(promUtf8)),
} as const;

/**
 * Column names of the Loki metadata tickets' answers (shared/query/loki-meta-tickets.ts).
 * Label sets are JSON objects in Utf8; counts are Int64.
 */
export const LOKI_META_COLUMNS = {
  labels: "labels",
  streams: "streams",
  chunks: "chunks",
  entries: "entries",
  bytes: "bytes",
  /** Volume: a label set (JSON) for aggregateBy=series, a label name for aggregateBy=labels. */
  name: "name",
  /** Volume: the end of the sample's bucket (Loki's timestamp), ns. */
  timeUnixNano: "time_unix_nano",
  volume: "volume",
  label: "label",
  cardinality: "cardinality",
  type: "type",
  /** Detected fields: JSON array of parser names, or null for structured metadata. */
  parsers: "parsers",
  /** Detected fields: JSON array of the JSON path components, or null. */
  jsonPath: "json_path",
  value: "value",
  pattern: "pattern",
  level: "level",
  /** Patterns: JSON `[[unix_seconds, count], …]`. */
  samples: "samples",
} as const;

const utf8 = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
const int64 = (name: string) => new Field(name, new Int64(), false);
const L = LOKI_META_COLUMNS;

/** Result columns of each Loki metadata ticket. */
export const LOKI_META_RESULT_SCHEMAS = {
  /** One row per stream, sorted by labels. */
  log_series: new Schema([utf8(L.labels)]),
  /** One row. */
  log_index_stats: new Schema([int64(L.streams), int64(L.chunks), int64(L.entries), int64(L.bytes)]),
  /** One row per (group, bucket); groups largest first, then by name; at most `limit` groups. */
  log_volume: new Schema([utf8(L.name), int64(L.timeUnixNano), int64(L.volume)]),
  /** One row per label, sorted by label. */
  log_detected_labels: new Schema([utf8(L.label), int64(L.cardinality)]),
  /** One row per field, sorted by label. */
  log_detected_fields: new Schema([utf8(L.label), utf8(L.type), int64(L.cardinality), utf8(L.parsers, true), utf8(L.jsonPath, true)]),
  /** One row per distinct value, sorted. */
  log_detected_field_values: new Schema([utf8(L.value)]),
  /** One row per (pattern, level), most frequent first. */
  log_patterns: new Schema([utf8(L.pattern), utf8(L.level), utf8(L.samples)]),
} as const;

/**
 * `logql`: one row, like `promql`'s — `result_type` (streams, vector, matrix, scalar) and
 * `result`, or `error_type` and `error` — plus `stats` (JSON of LogQLStats). Metric results
 * are Prometheus's `data.result`; streams are LogQLStreamsJson.
 * `logql`: one row — `result_type` (streams, vector, matrix, scalar), `result` and `stats`
 * (JSON of LogQLStats). Metric results are Prometheus's `data.result`, which Loki's API
 * shares; streams are LogQLStreamsJson. Evaluation failures travel as the Flight status of a
 * QueryError (400 for the query, 422 for a limit, 504 for the deadline).
 */
export const LOGQL_COLUMNS = { resultType: PROM_COLUMNS.resultType, result: PROM_COLUMNS.result, stats: "stats" } as const;

export const LOGQL_RESULT_SCHEMA = new Schema([LOGQL_COLUMNS.resultType, LOGQL_COLUMNS.result, LOGQL_COLUMNS.stats].map(promUtf8));

/**
 * A log query's entries grouped by their three label sets (Loki's categories), each group's
 * values `[ns decimal string, line]` in the query's direction. The router merges the sets
 * for Loki's plain answer or keeps them apart for `categorize-labels`.
 */
export type LogQLStreamsJson = Array<{
  stream: Record<string, string>;
  structuredMetadata: Record<string, string>;
  parsed: Record<string, string>;
  values: Array<[string, string]>;
}>;

/** What the querier measured while answering (Loki's `stats.summary` is built from it). */
export interface LogQLStats {
  linesProcessed: number;
  bytesProcessed: number;
  execTimeSeconds: number;
}
