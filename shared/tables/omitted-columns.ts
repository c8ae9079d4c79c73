/**
 * The narrow wire form: a sender may leave out the columns whose every row holds one value
 * (remote write's unit, description, type, scope and resource columns, its zero start times
 * and flags, its unset numbers), naming each and its value in the schema metadata
 * (OMITTED_COLUMNS_KEY). A batch of a few columns then travels, and is written to the WAL,
 * instead of one of every column.
 *
 * Whoever receives such a batch (the writer's DoPut, its WAL replay) calls `restoreOmitted`
 * first, and from then on sees an ordinary wire-form batch: the omitted columns come back as
 * a one-entry dictionary (text) or zeros (numbers, false) or nulls, every one of them a view
 * of one zero buffer per batch, so restoring allocates nothing per column. A batch without the key
 * (every other sender, every WAL record written before) is returned as it is.
 */
import { DataType, Dictionary, Field, Int32, makeData, makeVector, RecordBatch, Schema, Struct, type Data } from "apache-arrow";
import { utf8Data } from "./repeated-column.ts";
import { TABLE_SCHEMAS, type TableName } from "./tables.ts";

export const OMITTED_COLUMNS_KEY = "signalbox.omitted_columns";

/** The one value of an omitted column: its text, 0 (a number column of zeros, or false), or null (every row null). */
export type OmittedValue = string | 0 | null;

const narrowSchemas = new Map<string, Schema>();

/**
 * `schema` without the columns named in `omitted`, which the metadata records (one Schema
 * object per distinct set, so encoders can cache its IPC header).
 */
export function narrowSchema(schema: Schema, omitted: Readonly<Record<string, OmittedValue>>): Schema {
  const text = JSON.stringify(omitted);
  const key = `${schema.fields.map((f) => f.name).join(",")}\n${text}`;
  let narrow = narrowSchemas.get(key);
  if (!narrow) {
    const metadata = new Map(schema.metadata);
    metadata.set(OMITTED_COLUMNS_KEY, text);
    narrow = new Schema(schema.fields.filter((f) => !(f.name in omitted)), metadata);
    // Request-specific values (the metric name and attributes of a one-series request) would grow the map without bound: only bounded sets are kept.
    if (narrowSchemas.size < 256) narrowSchemas.set(key, narrow);
  }
  return narrow;
}

export class OmittedColumnsError extends Error {
  override readonly name = "OmittedColumnsError";
}

/**
 * `batch` with its omitted columns back in the contract's order, each where the contract has
 * it (text as Dictionary<Int32, Utf8>); `batch` itself when nothing was omitted.
 */
export function restoreOmitted(batch: RecordBatch, table: TableName): RecordBatch {
  const text = batch.schema.metadata.get(OMITTED_COLUMNS_KEY);
  if (text === undefined) return batch;
  let omitted: Record<string, OmittedValue>;
  try {
    omitted = JSON.parse(text) as Record<string, OmittedValue>;
  } catch {
    throw new OmittedColumnsError(`${OMITTED_COLUMNS_KEY} is not JSON`);
  }
  if (typeof omitted !== "object" || omitted === null || Array.isArray(omitted)) {
    throw new OmittedColumnsError(`${OMITTED_COLUMNS_KEY} is not an object`);
  }
  const contract = TABLE_SCHEMAS[table];
  const present = new Map(batch.schema.fields.map((f, i) => [f.name, i]));
  const rows = batch.numRows;
  // One zero buffer per batch, wide enough for its widest column: every restored column views
  // it, and whoever keeps the batch (the live buffer) counts it once, as this batch's own.
  const zeroBytes = new ArrayBuffer(rows * 8);
  const fields: Field[] = [];
  const children: Data[] = [];
  contract.fields.forEach((field, i) => {
    const at = present.get(field.name);
    if (at !== undefined) {
      fields.push(batch.schema.fields[at]!);
      children.push(batch.data.children[at]!);
      return;
    }
    if (!(field.name in omitted)) throw new OmittedColumnsError(`column ${field.name} is neither sent nor named omitted`);
    const restored = omittedData(field, i, omitted[field.name]!, rows, zeroBytes);
    fields.push(restored.field);
    children.push(restored.data);
  });
  const metadata = new Map(batch.schema.metadata);
  metadata.delete(OMITTED_COLUMNS_KEY);
  const schema = new Schema(fields, metadata);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }));
}

function omittedData(field: Field, position: number, value: OmittedValue, rows: number, zeroBytes: ArrayBuffer): { field: Field; data: Data } {
  const type = field.type as DataType;
  const zeros = (n: number) => new Uint8Array(zeroBytes, 0, n);
  if (value === null) {
    if (!field.nullable) throw new OmittedColumnsError(`column ${field.name} cannot be null`);
    if (DataType.isUtf8(type)) throw new OmittedColumnsError(`text column ${field.name} omitted as null`);
    return { field, data: makeData({ type, length: rows, nullCount: rows, nullBitmap: zeros((rows + 7) >> 3), data: zeros(valueBytes(type, rows)) } as never) };
  }
  if (DataType.isUtf8(type)) {
    if (typeof value !== "string") throw new OmittedColumnsError(`text column ${field.name} omitted as ${JSON.stringify(value)}`);
    const dictionaryType = new Dictionary(type, new Int32(), position);
    const dictionary = makeVector(utf8Data([new TextEncoder().encode(value)]));
    const indices = new Int32Array(zeros(rows * 4).buffer, 0, rows);
    const data = makeData({ type: dictionaryType, length: rows, nullCount: 0, data: indices, dictionary });
    restoredDictionaries.add(data);
    return { field: new Field(field.name, dictionaryType, field.nullable, field.metadata), data };
  }
  if (value !== 0) throw new OmittedColumnsError(`number column ${field.name} omitted as ${JSON.stringify(value)}`);
  const data: Data = makeData({ type, length: rows, nullCount: 0, data: zeros(valueBytes(type, rows)) } as never);
  restoredZeros.add(data);
  return { field, data };
}

/** Bytes of `rows` values of a fixed-width or bool type. */
function valueBytes(type: DataType, rows: number): number {
  if (DataType.isBool(type)) return (rows + 7) >> 3;
  return rows * (type.ArrayType as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
}

/** Dictionaries restoreOmitted made: one entry, every row index 0, no null. */
const restoredDictionaries = new WeakSet<Data>();

/** Number (and bool) columns restoreOmitted made: zero in every row. */
const restoredZeros = new WeakSet<Data>();

/** True when `data` is a number or bool column restoreOmitted made of zeros (false). */
export function isRestoredZeros(data: Data): boolean {
  return restoredZeros.has(data);
}

/** True when `data` is a dictionary column restoreOmitted made (its readers need not check its indices). */
export function isRestoredDictionary(data: Data): boolean {
  return restoredDictionaries.has(data);
}
