/**
 * The spans' dedicated attribute columns (dedicated-attributes.ts), computed in JS:
 * - `DedicatedValues`, as the acceptor's decoder writes each attribute (it knows the key
 *   from the request and where the value's JSON lies): the columns travel with the batch,
 *   and nothing downstream parses the attribute JSON for them;
 * - `withDedicatedColumns`, from the attribute JSON bytes of a batch that came without them
 *   (an older acceptor, a Flight client, an old WAL record): a scan that only looks at
 *   structure and keys, instead of DuckDB parsing every span's JSON into structs.
 *
 * Both give exactly the values `dedicatedColumnsOnTheFlySql` computes for the querier: the
 * key's first value as a type letter + its text, read from the attribute JSON by the same
 * reader (dedicated-json.ts). Text that is not JSON gives NULLs (as the SQL's TRY does).
 */
import { DataType, Field, makeData, RecordBatch, Schema, Struct, Utf8, type Data } from "apache-arrow";
import { DEDICATED_SPAN_ATTRIBUTES } from "./dedicated-attributes.ts";
import { dedicatedKeyIndex, Found, KEYS, readAnyValue, readValue, scanCanonical, scanParsed } from "./dedicated-json.ts";

const DEDICATED_FIELDS = Object.values(DEDICATED_SPAN_ATTRIBUTES).map((c) => new Field(c, new Utf8(), true));
const dedicatedSchemas = new WeakMap<Schema, Schema>();

/**
 * The traces schema plus one nullable Utf8 column per dedicated attribute: one Schema object
 * per input schema, so Flight encoders keep reusing its IPC header.
 */
export function withDedicatedSchema(schema: Schema): Schema {
  let out = dedicatedSchemas.get(schema);
  if (!out) dedicatedSchemas.set(schema, (out = new Schema([...schema.fields, ...DEDICATED_FIELDS], schema.metadata)));
  return out;
}

/** True when `schema` ends with the dedicated columns (as withDedicatedSchema appends them). */
export function hasDedicatedColumns(schema: Schema): boolean {
  const fields = schema.fields;
  const first = fields.length - DEDICATED_FIELDS.length;
  if (first < 0) return false;
  return DEDICATED_FIELDS.every((f, i) => fields[first + i]!.name === f.name && DataType.isUtf8(fields[first + i]!.type));
}

/**
 * `batch` (a traces batch, plain or in the Flight wire form) with the dedicated columns
 * appended: its own columns as they are, then those of withDedicatedSchema. A batch that
 * has them already comes back as it is.
 */
export function withDedicatedColumns(batch: RecordBatch): RecordBatch {
  if (hasDedicatedColumns(batch.schema)) return batch;
  const attributes = batch.getChild("attributes")?.data[0];
  if (!attributes) throw new Error("traces batch has no attributes column");
  const values = new DedicatedValues(batch.numRows);
  const offsets = attributes.valueOffsets as Int32Array;
  const bytes = attributes.values as Uint8Array;
  for (let row = 0; row < batch.numRows; row++) values.readRow(bytes, offsets[row]!, offsets[row + 1]!);
  const schema = withDedicatedSchema(batch.schema);
  const columns = values.columns();
  const children = [
    ...batch.schema.fields.map((f) => batch.getChild(f.name)!.data[0]!),
    ...DEDICATED_FIELDS.map((f) => columns[f.name]!.finish()),
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

/**
 * The dedicated columns built span by span, either from a span's whole attribute JSON
 * (`readRow`) or while a decoder writes it: `beginRow`, then `offer` every span attribute
 * as it is written, then `endRow` once the span is accepted (a rejected span simply never
 * ends its row). Only a dedicated key's first occurrence counts; an offered value is read
 * back from the JSON just written, so the text is the one `readRow` and the querier's SQL
 * would find there.
 */
export class DedicatedValues {
  private readonly builders: TextColumn[];
  private readonly found = new Found();
  private rows = 0;

  constructor(expectedRows?: number) {
    this.builders = KEYS.map(() => new TextColumn(expectedRows));
  }

  /** One span from its attribute JSON json[from, to) (empty: no attributes). */
  readRow(json: Uint8Array, from: number, to: number): void {
    const found = this.found;
    found.clear();
    if (to > from && !scanCanonical(json, from, to, found)) {
      found.clear();
      scanParsed(json.subarray(from, to), found);
    }
    this.endRow(json);
  }

  beginRow(): void {
    this.found.clear();
  }

  /**
   * One attribute: its key as UTF-8 bytes key[keyStart, keyEnd), its value as the canonical
   * JSON json[valueStart, valueEnd). `json` must not be written over before endRow (a sink
   * that grows moves to a new buffer and leaves this one as it was).
   */
  offer(key: Uint8Array, keyStart: number, keyEnd: number, json: Uint8Array, valueStart: number, valueEnd: number): void {
    const k = dedicatedKeyIndex(key, keyStart, keyEnd);
    if (k < 0 || this.found.letter[k] !== 0) return;
    if (readValue(json, valueStart, valueEnd, k, this.found) < 0) readAnyValue(json, valueStart, valueEnd, k, this.found);
    else if (this.found.text[k] === undefined) this.found.text[k] = json;
  }

  /** `json`: where a value found without text of its own lies (readRow's document). */
  endRow(json?: Uint8Array): void {
    const found = this.found;
    if (found.dirty) {
      for (let k = 0; k < KEYS.length; k++) {
        const letter = found.letter[k]!;
        // Rows without a value are filled in as nulls when the column next moves on.
        if (letter !== 0) this.builders[k]!.pushAt(this.rows, letter, (found.text[k] ?? json)!, found.start[k]!, found.end[k]!);
      }
    }
    this.rows++;
  }

  /** The columns so far, keyed by column name. */
  columns(): Record<string, { readonly length: number; finish(): Data<Utf8> }> {
    for (const builder of this.builders) builder.nullsUpTo(this.rows);
    return Object.fromEntries(KEYS.map((key, k) => [DEDICATED_SPAN_ATTRIBUTES[key]!, this.builders[k]!]));
  }
}

/** Builds one nullable Utf8 column row by row. */
class TextColumn {
  private offsets: Int32Array;
  private validity: Uint8Array;
  private bytes = new Uint8Array(4096);
  private used = 0;
  private nulls = 0;
  length = 0;

  constructor(expectedRows = 1024) {
    this.offsets = new Int32Array(expectedRows + 1);
    this.validity = new Uint8Array(Math.ceil(expectedRows / 8));
  }

  pushNull(): void {
    this.nulls++;
    this.endRow();
  }

  /** Null rows up to (not including) `row`. */
  nullsUpTo(row: number): void {
    while (this.length < row) this.pushNull();
  }

  /** Row `row` (at or after the current length; the rows between are null): `letter` then src[start, end). */
  pushAt(row: number, letter: number, src: Uint8Array, start: number, end: number): void {
    this.nullsUpTo(row);
    this.push(letter, src, start, end);
  }

  /** `letter` followed by src[start, end). */
  push(letter: number, src: Uint8Array, start: number, end: number): void {
    const need = this.used + 1 + end - start;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, need));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    const out = this.bytes;
    let at = this.used;
    out[at++] = letter;
    for (let i = start; i < end; i++) out[at++] = src[i]!;
    this.used = at;
    this.ensureValidityBytes((this.length >> 3) + 1);
    this.validity[this.length >> 3]! |= 1 << (this.length & 7);
    this.endRow();
  }

  private endRow(): void {
    if (this.length + 2 > this.offsets.length) this.offsets = grownTo(this.offsets, this.offsets.length * 2);
    this.offsets[++this.length] = this.used;
  }

  /** The validity bitmap, grown (zero-filled: null) to at least `bytes` — null rows alone never grow it. */
  private ensureValidityBytes(bytes: number): Uint8Array {
    if (bytes > this.validity.length) this.validity = grownTo(this.validity, Math.max(this.validity.length * 2, bytes));
    return this.validity;
  }

  finish(): Data<Utf8> {
    return makeData({
      type: new Utf8(),
      length: this.length,
      nullCount: this.nulls,
      nullBitmap: this.ensureValidityBytes(Math.ceil(this.length / 8)).subarray(0, Math.ceil(this.length / 8)),
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      data: this.bytes.subarray(0, this.used),
    });
  }
}

function grownTo<T extends Int32Array | Uint8Array>(a: T, length: number): T {
  const next = new (a.constructor as new (n: number) => T)(length);
  next.set(a);
  return next;
}

