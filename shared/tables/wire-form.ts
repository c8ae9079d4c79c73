/**
 * The Flight wire form of the signal tables: the columns whose value repeats per resource,
 * per scope or per request travel as Arrow Dictionary<Int32, Utf8> (each row an index into
 * the few distinct values) instead of Utf8. Same column names and order as the contract in
 * tables.ts; the values a reader sees are the same strings.
 *
 * Whoever hands rows on to a consumer of the contract (DuckDB, Parquet, the querier) calls
 * `toPlainBatch` first: it turns every dictionary column back into plain Utf8.
 *
 * Spans may also carry the dedicated attribute columns after the contract's (the acceptor
 * sends them: dedicated-columns.ts); `contractColumns` leaves them out for readers that do
 * not want them. They are taken as sent, like every other column: a Flight client that sends
 * them is trusted to send the values of its own attributes.
 */
import { DataType, Dictionary, Field, Int32, makeData, RecordBatch, Schema, Struct, Utf8, type Data } from "apache-arrow";
import { hasDedicatedColumns, withDedicatedSchema } from "./dedicated-columns.ts";
import { expandUtf8 } from "./repeated-column.ts";
import { TABLE_SCHEMAS, type TableName } from "./tables.ts";

/** Columns constant within a resource, a scope or a request (every table has them). */
export const REPEATED_COLUMNS: ReadonlySet<string> = new Set([
  "batch_id",
  "service_name",
  "resource_attributes",
  "resource_schema_url",
  "scope_name",
  "scope_version",
  "scope_attributes",
  "scope_schema_url",
]);

const wireSchemas = new Map<TableName, Schema>();

/**
 * The wire schema of `table` (one Schema object per table, so encoders can cache its IPC
 * header). Dictionary ids are the column positions: unique within the schema.
 */
export function wireSchema(table: TableName): Schema {
  let schema = wireSchemas.get(table);
  if (!schema) {
    const contract = TABLE_SCHEMAS[table];
    schema = new Schema(
      contract.fields.map((f, i) =>
        REPEATED_COLUMNS.has(f.name) && DataType.isUtf8(f.type)
          ? new Field(f.name, new Dictionary(new Utf8(), new Int32(), i), f.nullable, f.metadata)
          : f,
      ),
      contract.metadata,
    );
    wireSchemas.set(table, schema);
  }
  return schema;
}

/**
 * Metrics columns constant within one series (remote write sends each series' samples
 * together, so they repeat on every sample row of a request).
 */
export const SERIES_COLUMNS: ReadonlySet<string> = new Set([
  "metric_name",
  "metric_description",
  "metric_unit",
  "metric_type",
  "metric_metadata",
  "distribution",
  "exemplars",
  "attributes",
]);

let seriesSchema: Schema | undefined;

/**
 * The metrics wire schema with the SERIES_COLUMNS as dictionaries too: what a decoder that
 * writes whole series at a time sends (one Schema object, as for wireSchema).
 */
export function seriesWireSchema(): Schema {
  if (!seriesSchema) {
    const wire = wireSchema("metrics");
    seriesSchema = new Schema(
      wire.fields.map((f, i) => (SERIES_COLUMNS.has(f.name) && DataType.isUtf8(f.type) ? new Field(f.name, new Dictionary(new Utf8(), new Int32(), i), f.nullable, f.metadata) : f)),
      wire.metadata,
    );
  }
  return seriesSchema;
}

/** True when some column of `batch` is dictionary-encoded. */
export function hasDictionaryColumns(batch: RecordBatch): boolean {
  return batch.schema.fields.some((f) => DataType.isDictionary(f.type));
}

export class WireFormError extends Error {
  override readonly name = "WireFormError";
}

/**
 * `batch` with every Dictionary<_, Utf8> column expanded to plain Utf8, under `schema`
 * (the contract schema, same column names in the same order). A batch without dictionary
 * columns comes back as it is, re-labelled with `schema` only if its schema differs.
 */
export function toPlainBatch(batch: RecordBatch, schema: Schema): RecordBatch {
  const fields = batch.schema.fields;
  if (fields.length !== schema.fields.length || fields.some((f, i) => f.name !== schema.fields[i]!.name)) {
    throw new WireFormError(`batch columns ${fields.map((f) => f.name).join(",")} do not match the schema`);
  }
  if (!fields.some((f) => DataType.isDictionary(f.type))) return batch;
  const children = batch.data.children.map((child, i) => {
    if (!DataType.isDictionary(fields[i]!.type)) return child;
    if (!DataType.isUtf8(schema.fields[i]!.type)) throw new WireFormError(`column ${fields[i]!.name} is a dictionary but not Utf8 in the schema`);
    return expandDictionary(child as Data<Dictionary>);
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

const EMPTY = new Uint8Array(0);

/** Dictionary<_, Utf8> data → Utf8 data (a null row, or an index out of range, becomes ""). */
function expandDictionary(data: Data<Dictionary>): Data<Utf8> {
  const dictionary = data.dictionary;
  if (!dictionary || !DataType.isUtf8(dictionary.type)) throw new WireFormError("dictionary column without Utf8 values");
  const values: Uint8Array[] = [];
  for (const chunk of dictionary.data as Data<Utf8>[]) {
    const offsets = chunk.valueOffsets;
    for (let i = 0; i < chunk.length; i++) values.push(chunk.values.subarray(offsets[i]!, offsets[i + 1]!));
  }
  const indices = data.values as ArrayLike<number>;
  const length = data.length;
  let rowIndices: ArrayLike<number> = indices;
  if (data.nullCount > 0 || !inRange(indices, length, values.length)) {
    // Rare (only foreign senders): route bad rows to an empty string appended at the end.
    const safe = new Int32Array(length);
    values.push(EMPTY);
    for (let i = 0; i < length; i++) {
      const index = Number(indices[i]);
      safe[i] = data.getValid(i) && index >= 0 && index < values.length - 1 ? index : values.length - 1;
    }
    rowIndices = safe;
  }
  const plain = expandUtf8(values, rowIndices, length);
  return data.nullCount > 0 ? makeData({ ...plainProps(plain), nullCount: data.nullCount, nullBitmap: copyBitmap(data) }) : plain;
}

function inRange(indices: ArrayLike<number>, length: number, size: number): boolean {
  for (let i = 0; i < length; i++) {
    const index = indices[i]!;
    if (!(index >= 0 && index < size)) return false;
  }
  return true;
}

function plainProps(d: Data<Utf8>) {
  return { type: d.type, length: d.length, valueOffsets: d.valueOffsets, data: d.values };
}

/** The validity bits of `data` re-based to offset 0. */
function copyBitmap(data: Data): Uint8Array {
  const bits = new Uint8Array((data.length + 7) >> 3);
  for (let i = 0; i < data.length; i++) if (data.getValid(i)) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

/**
 * Why `schema` cannot carry rows of `table` (undefined when it can): the contract's column
 * names in order (for spans, optionally followed by the dedicated columns), each of the
 * contract's type or — for a Utf8 column — a dictionary of Utf8.
 */
export function wireSchemaProblem(schema: Schema, table: TableName): string | undefined {
  const contract = contractSchemaOf(schema, table);
  const names = schema.fields.map((f) => f.name);
  if (names.length !== contract.fields.length || names.some((n, i) => n !== contract.fields[i]!.name)) {
    return `batch columns do not match table ${table}: ${names.join(",")}`;
  }
  for (let i = 0; i < names.length; i++) {
    const got = schema.fields[i]!.type;
    const want = contract.fields[i]!.type;
    if (DataType.isDictionary(got) && DataType.isUtf8(want) && DataType.isUtf8(got.dictionary)) continue;
    if (got.typeId !== want.typeId || String(got) !== String(want)) return `column ${names[i]} is ${String(got)}, table ${table} has ${String(want)}`;
  }
  return undefined;
}

/** The contract schema rows of `table` in `schema` are read under: with the dedicated columns when it has them. */
export function contractSchemaOf(schema: Schema, table: TableName): Schema {
  return table === "traces" && hasDedicatedColumns(schema) ? withDedicatedSchema(TABLE_SCHEMAS.traces) : TABLE_SCHEMAS[table];
}

/** `batch` (plain) with only the contract's columns of `table`: extra columns after them left out. */
export function contractColumns(batch: RecordBatch, table: TableName): RecordBatch {
  const schema = TABLE_SCHEMAS[table];
  if (batch.schema.fields.length === schema.fields.length) return batch;
  const children = batch.data.children.slice(0, schema.fields.length);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}
