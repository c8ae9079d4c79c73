/**
 * Columns a Parquet file may leave out: a metrics flush whose every row holds a column's
 * default (remote write's unit, description, scope and resource columns, its zero start
 * times, its unset numbers; `flags` when no row is stale) writes no such column, since
 * DuckDB's Parquet writer pays per row for a column even when it holds one value.
 *
 * The defaults are part of the table contract, not of the file: a column missing from a file
 * reads as its default in every row of that file. Every reader of files fills them in
 * (shared/duckdb/filled-columns.ts); files written before, which have every column, read as
 * they always did. The columns that files are sorted by are never left out.
 */
import { DataType, type Data, type RecordBatch } from "apache-arrow";
import { isRestoredDictionary, isRestoredZeros, type OmittedValue } from "./omitted-columns.ts";
import { REMOTE_WRITE_SAMPLE_TYPE, TABLE_SCHEMAS, type TableName } from "./tables.ts";

const EMPTY_LIST = "[]";

const METRICS_DEFAULTS: ReadonlyMap<string, OmittedValue> = new Map<string, OmittedValue>([
  ["metric_description", ""],
  ["metric_unit", ""],
  // A remote write sample's: a remote write flush holds nothing else. Readers filter on it,
  // but a literal column folds into the filter, and row groups hold several types anyway.
  ["metric_type", REMOTE_WRITE_SAMPLE_TYPE],
  ["metric_metadata", EMPTY_LIST],
  ["aggregation_temporality", 0],
  ["is_monotonic", 0],
  ["start_time_unix_nano", 0],
  ["value_int", null],
  ["count", null],
  ["sum", null],
  ["min", null],
  ["max", null],
  ["distribution", ""],
  ["exemplars", EMPTY_LIST],
  ["flags", 0],
  ["resource_attributes", EMPTY_LIST],
  ["resource_dropped_attributes_count", 0],
  ["resource_schema_url", ""],
  ["scope_name", ""],
  ["scope_version", ""],
  ["scope_attributes", EMPTY_LIST],
  ["scope_dropped_attributes_count", 0],
  ["scope_schema_url", ""],
]);

// Spans: the fields most SDKs never set (trace state, schema URLs, scope attributes, dropped
// counts, flags). Per file they cost little, but DuckDB writes a chunk, its statistics and a
// bloom filter for each in every row group of every file.
const TRACES_DEFAULTS: ReadonlyMap<string, OmittedValue> = new Map<string, OmittedValue>([
  ["trace_state", ""],
  ["flags", 0],
  ["status_message", ""],
  ["dropped_attributes_count", 0],
  ["dropped_events_count", 0],
  ["dropped_links_count", 0],
  ["resource_dropped_attributes_count", 0],
  ["resource_schema_url", ""],
  ["scope_attributes", EMPTY_LIST],
  ["scope_dropped_attributes_count", 0],
  ["scope_schema_url", ""],
]);

/** Per table, the columns a file may leave out and the value each then holds in every row (0 is also false). */
export const FILE_COLUMN_DEFAULTS: Readonly<Record<TableName, ReadonlyMap<string, OmittedValue>>> = {
  traces: TRACES_DEFAULTS,
  logs: new Map(),
  metrics: METRICS_DEFAULTS,
};

/** The columns of `table` that hold their default in every row of every batch: a file of these rows leaves them out. */
export function columnsAtDefault(table: TableName, batches: readonly RecordBatch[]): Set<string> {
  const out = new Set<string>();
  for (const [name, value] of FILE_COLUMN_DEFAULTS[table]) {
    const field = TABLE_SCHEMAS[table].fields.find((f) => f.name === name)!;
    if (batches.every((batch) => holdsOnly(batch, name, field.type, value))) out.add(name);
  }
  return out;
}

const ENCODER = new TextEncoder();

function holdsOnly(batch: RecordBatch, name: string, type: DataType, value: OmittedValue): boolean {
  const vector = batch.getChild(name);
  if (!vector || vector.data.length !== 1) return false;
  const data = vector.data[0]!;
  if (value === null) return data.nullCount === data.length;
  if (data.nullCount > 0) return false;
  if (typeof value === "string") return textIs(data, ENCODER.encode(value));
  // A column the narrow wire form left out as zeros needs no look.
  if (isRestoredZeros(data)) return true;
  if (DataType.isBool(type)) return boolsAllFalse(data);
  return bytesAllZero(data);
}

/** Every row of a Utf8 (or Dictionary<Int32, Utf8>) column is `want`. */
function textIs(data: Data, want: Uint8Array): boolean {
  if (data.dictionary) {
    const entries = data.dictionary.data[0]!;
    if (data.dictionary.data.length !== 1) return false;
    const matches = Array.from({ length: entries.length }, (_, i) => entryIs(entries, i, want));
    // A column the narrow wire form left out points every row at its one entry.
    if (isRestoredDictionary(data)) return matches[0]!;
    const indices = data.values as Int32Array;
    for (let r = 0; r < data.length; r++) if (!matches[indices[r]!]) return false;
    return true;
  }
  for (let r = 0; r < data.length; r++) if (!entryIs(data, r, want)) return false;
  return true;
}

function entryIs(data: Data, index: number, want: Uint8Array): boolean {
  const offsets = data.valueOffsets as Int32Array;
  // Arrow JS slices value offsets and fixed-width values with the Data; only bitmaps keep `offset`.
  const from = offsets[index]!;
  if (offsets[index + 1]! - from !== want.length) return false;
  const bytes = data.values as Uint8Array;
  for (let k = 0; k < want.length; k++) if (bytes[from + k] !== want[k]) return false;
  return true;
}

function boolsAllFalse(data: Data): boolean {
  const bits = data.values as Uint8Array;
  for (let r = data.offset; r < data.offset + data.length; r++) if ((bits[r >> 3]! >> (r & 7)) & 1) return false;
  return true;
}

/** Every value of a fixed-width number column is zero (its bytes, so -0.0 is not). */
function bytesAllZero(data: Data): boolean {
  const values = data.values as Int32Array | BigInt64Array | Float64Array;
  const width = values.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, data.length * width);
  // Word by word where aligned: the flags column of a flush is checked every time.
  if (bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    for (let i = words.length << 2; i < bytes.length; i++) if (bytes[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Fills, in place, the values a raw read of a file (the querier's point reader) gives as null
 * for the columns that file left out: `columns[i]` holds `names[i]`. The columns that can be
 * left out are never null in the contract, so a null there is a left-out column.
 */
export function fillDefaults(table: TableName, names: readonly string[], columns: unknown[][]): void {
  names.forEach((name, i) => {
    const value = FILE_COLUMN_DEFAULTS[table].get(name);
    if (value === undefined || value === null) return;
    const type = TABLE_SCHEMAS[table].fields.find((f) => f.name === name)!.type;
    const fill = typeof value === "string" ? value : DataType.isInt(type) && type.bitWidth === 64 ? 0n : DataType.isBool(type) ? false : 0;
    const values = columns[i]!;
    for (let row = 0; row < values.length; row++) if (values[row] === null) values[row] = fill;
  });
}
