/**
 * A remote write request's rows → the Arrow batch: the series' constant columns as runs of
 * one repeated value (dictionaries in the wire form), time, value and flags in bulk, and —
 * in the narrow wire form — the columns of one value left out (shared/tables/omitted-columns.ts).
 */
import type { RecordBatch, Schema } from "apache-arrow";
import { buildRecordBatch } from "../otlp/columns.ts";
import { EMPTY_SCOPE } from "../otlp/context.ts";
import { metricsColumnBuilders } from "../otlp/decode-metrics.ts";
import { narrowSchema, RepeatedUtf8Column, seriesWireSchema, type OmittedValue } from "../tables/index.ts";
import type { SampleScratch } from "./samples.ts";
import { EMPTY_BYTES, EMPTY_LIST_BYTES, type SeriesBytes } from "./series-cache.ts";

const NO_RECORDED_VALUE = 1;

/**
 * The columns of the metrics table, those constant within a series kept as repeated values
 * (dictionaries in the series wire form, seriesWireSchema): a sample row then costs its time,
 * value and flags, and an index per repeated column.
 */
function seriesColumns() {
  return {
    ...metricsColumnBuilders(),
    metric_name: new RepeatedUtf8Column(),
    metric_description: new RepeatedUtf8Column(),
    metric_unit: new RepeatedUtf8Column(),
    metric_type: new RepeatedUtf8Column(),
    metric_metadata: new RepeatedUtf8Column(),
    distribution: new RepeatedUtf8Column(),
    exemplars: new RepeatedUtf8Column(),
    attributes: new RepeatedUtf8Column(),
  };
}

type SeriesColumns = ReturnType<typeof seriesColumns>;

/** The batch of `rows` (runs cover every row, in order); the narrow form when `schema` is the series wire schema. */
export function rowsToBatch(schema: Schema, rows: SampleScratch, runs: readonly RowRun[], batchIdBytes: Uint8Array): RecordBatch {
  const c = seriesColumns();
  const wireForm = schema === seriesWireSchema();
  fillColumns(c, rows, runs, batchIdBytes, !wireForm);
  return buildRecordBatch(wireForm ? narrowSchema(schema, omittedColumns(c, rows)) : schema, c);
}

/**
 * The columns remote write never sets (ZERO_COLUMNS, NULL_COLUMNS), for the plain form: the
 * narrow wire form leaves them out, so they are not even filled.
 */
function fillUnsetColumns(c: SeriesColumns, n: number): void {
  c.aggregation_temporality.pushRun(0, n);
  c.is_monotonic.pushFalse(n);
  c.start_time_unix_nano.pushWordsRun(0, 0, n);
  c.resource_dropped_attributes_count.pushRun(0, n);
  c.scope_dropped_attributes_count.pushRun(0, n);
  for (const name of NULL_COLUMNS) c[name as "value_int" | "count" | "sum" | "min" | "max"].pushNulls(n);
}

/** Columns remote write never sets: one value for every row. */
const ZERO_COLUMNS = ["aggregation_temporality", "is_monotonic", "start_time_unix_nano", "resource_dropped_attributes_count", "scope_dropped_attributes_count"];
const NULL_COLUMNS = ["value_int", "count", "sum", "min", "max"];
const UNSET_COLUMNS: ReadonlySet<string> = new Set([...ZERO_COLUMNS, ...NULL_COLUMNS]);
const UTF8_DECODER = new TextDecoder();

/**
 * The columns the narrow wire form leaves out (shared/tables/omitted-columns.ts): those
 * remote write never sets, `flags` when no row is stale or value-less, and the text columns
 * of one value — but not `batch_id`, whose value differs per request: named in the schema,
 * it would make every request's schema a new one.
 */
function omittedColumns(c: SeriesColumns, rows: SampleScratch): Record<string, OmittedValue> {
  const omitted: Record<string, OmittedValue> = {};
  for (const name of ZERO_COLUMNS) omitted[name] = 0;
  for (const name of NULL_COLUMNS) omitted[name] = null;
  const kinds = rows.stale.subarray(0, rows.length);
  if (kinds.indexOf(ROW_STALE) === -1 && kinds.indexOf(ROW_NO_VALUE) === -1) omitted.flags = 0;
  for (const [name, column] of Object.entries(c)) {
    if (name === "batch_id" || !(column instanceof RepeatedUtf8Column)) continue;
    const only = column.onlyValue();
    if (only) omitted[name] = UTF8_DECODER.decode(only);
  }
  return omitted;
}

/** Rows [from, to) of the request's rows: one series (or metadata entry), its exemplars on the first. */
export interface RowRun {
  series: SeriesBytes;
  from: number;
  to: number;
  exemplars: Uint8Array;
}

/** Kinds of row, in the row scratch's `stale` slot. */
export const ROW_VALUE = 0;
export const ROW_STALE = 1;
/** An exemplar-only or metadata row: no value. */
export const ROW_NO_VALUE = 2;

/**
 * The columns, sized once for all rows: per run, the series' constant columns as runs of one
 * value (dictionary indices filled at once), the columns remote write never sets as runs of
 * nulls; only time, value and flags are written row by row.
 */
function fillColumns(c: SeriesColumns, rows: SampleScratch, runs: readonly RowRun[], batchIdBytes: Uint8Array, unsetColumns: boolean): void {
  for (const [name, column] of Object.entries(c)) if (unsetColumns || !UNSET_COLUMNS.has(name)) column.reserve(rows.length);
  if (unsetColumns) fillUnsetColumns(c, rows.length);
  for (const run of runs) {
    const n = run.to - run.from;
    const s = run.series;
    c.batch_id.pushRun(batchIdBytes, n);
    c.metric_name.pushRun(s.name, n);
    c.metric_description.pushRun(s.description, n);
    c.metric_unit.pushRun(s.unit, n);
    c.metric_type.pushRun(s.type, n);
    c.metric_metadata.pushRun(s.metadata, n);
    c.distribution.pushRun(EMPTY_BYTES, n);
    c.exemplars.pushRun(run.exemplars, 1);
    c.exemplars.pushRun(EMPTY_LIST_BYTES, n - 1);
    c.attributes.pushRun(s.attributes, n);
    c.service_name.pushRun(s.resource.serviceName, n);
    c.resource_attributes.pushRun(s.resource.attributes, n);
    c.resource_schema_url.pushRun(s.resource.schemaUrl, n);
    c.scope_name.pushRun(EMPTY_SCOPE.name, n);
    c.scope_version.pushRun(EMPTY_SCOPE.version, n);
    c.scope_attributes.pushRun(EMPTY_SCOPE.attributes, n);
    c.scope_schema_url.pushRun(EMPTY_SCOPE.schemaUrl, n);
  }
  // Runs cover every row in order: the per-row columns are filled for all rows at once.
  const n = rows.length;
  c.time_unix_nano.pushWordArrays(rows.timeLo, rows.timeHi, n);
  if (rows.stale.subarray(0, n).indexOf(ROW_STALE) === -1 && rows.stale.subarray(0, n).indexOf(ROW_NO_VALUE) === -1) {
    c.value_double.pushArray(rows.values, n);
    c.flags.pushWordsRun(0, 0, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    const kind = rows.stale[i]!;
    if (kind === ROW_NO_VALUE) c.value_double.pushNull();
    else c.value_double.push(rows.values[i]!);
    c.flags.pushWords(kind === ROW_STALE ? NO_RECORDED_VALUE : 0, 0);
  }
}
