/**
 * The spans' dedicated attribute columns (dedicated-attributes.ts), computed in JS:
 * - `DedicatedValues`, as the acceptor's decoder writes each attribute (it knows the key
 *   from the request and where the value's JSON lies): the columns travel with the batch,
 *   and nothing downstream parses the attribute JSON for them;
 * - `withDedicatedColumns`, from the attribute JSON bytes of a batch that came without them
 *   (an older acceptor, a Flight client, an old WAL record): a scan that only looks at
 *   structure and keys, instead of DuckDB parsing every span's ~1 KB of JSON into structs.
 *
 * Both give exactly the values `dedicatedColumnsOnTheFlySql` computes for the querier: the
 * key's first value as a type letter + its text, read from the value's canonical JSON
 * (`{"member":v}`, no whitespace — what the acceptor writes) by the same code. Any other
 * shape (rows from a Flight client, say) goes through JSON.parse, so every valid document
 * gives the same answer, and text that is not JSON gives NULLs (as the SQL's TRY does).
 */
import { DataType, Field, makeData, RecordBatch, Schema, Struct, Utf8, type Data } from "apache-arrow";
import { DEDICATED_SPAN_ATTRIBUTES } from "./dedicated-attributes.ts";

const KEYS = Object.keys(DEDICATED_SPAN_ATTRIBUTES);
const utf8 = new TextEncoder();
const textDecoder = new TextDecoder();
const KEY_BYTES = KEYS.map((k) => utf8.encode(k));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const KEY_OPEN = utf8.encode('{"key":"');
const VALUE_OPEN = utf8.encode('","value":');
const TYPE_LETTER = { s: 0x73, i: 0x69, d: 0x64, b: 0x62, x: 0x78 } as const;

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
  const builders = KEYS.map(() => new TextColumn(batch.numRows));
  const found = new Found();
  const offsets = attributes.valueOffsets as Int32Array;
  const bytes = attributes.values as Uint8Array;
  for (let row = 0; row < batch.numRows; row++) {
    found.clear();
    const from = offsets[row]!;
    const to = offsets[row + 1]!;
    if (to > from && !scanCanonical(bytes, from, to, found)) {
      found.clear();
      scanParsed(bytes.subarray(from, to), found);
    }
    for (let k = 0; k < KEYS.length; k++) {
      const letter = found.letter[k]!;
      if (letter === 0) builders[k]!.pushNull();
      else builders[k]!.push(letter, found.text[k] ?? bytes, found.start[k]!, found.end[k]!);
    }
  }
  const schema = withDedicatedSchema(batch.schema);
  const children = [
    ...batch.schema.fields.map((f) => batch.getChild(f.name)!.data[0]!),
    ...builders.map((b) => b.finish()),
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

/**
 * The dedicated columns built span by span while a decoder writes the attribute JSON:
 * `beginRow`, then `offer` every span attribute as it is written, then `endRow` once the
 * span is accepted (a rejected span simply never ends its row). Only a dedicated key's first
 * occurrence counts; its value is read back from the JSON just written, so the text is the
 * one withDedicatedColumns and the querier's SQL would find there.
 */
export class DedicatedValues {
  private readonly builders = KEYS.map(() => new TextColumn());
  private readonly found = new Found();
  private rows = 0;

  beginRow(): void {
    this.found.clear();
  }

  /**
   * One attribute: its key as UTF-8 bytes key[keyStart, keyEnd), its value as the canonical
   * JSON json[valueStart, valueEnd). `json` must not be written over before endRow (a sink
   * that grows moves to a new buffer and leaves this one as it was).
   */
  offer(key: Uint8Array, keyStart: number, keyEnd: number, json: Uint8Array, valueStart: number, valueEnd: number): void {
    const length = keyEnd - keyStart;
    // Most keys are not dedicated: rejected by length and first byte before any comparison.
    if (length >= KEY_LENGTHS.length || KEY_LENGTHS[length] === 0 || FIRST_BYTES[key[keyStart]!] === 0) return;
    const k = dedicatedIndex(key, keyStart, keyEnd);
    if (k < 0 || this.found.letter[k] !== 0) return;
    if (readValue(json, valueStart, valueEnd, k, this.found) >= 0) {
      if (this.found.text[k] === undefined) this.found.text[k] = json;
      return;
    }
    // Not canonical (never the case for the decoder's own JSON): read it as any JSON.
    this.found.letter[k] = 0;
    const alone = new Found();
    scanParsed(utf8.encode(`[{"key":${JSON.stringify(KEYS[k])},"value":${textDecoder.decode(json.subarray(valueStart, valueEnd))}}]`), alone);
    if (alone.letter[k] !== 0) this.found.setText(k, alone.letter[k]!, alone.text[k]!);
  }

  endRow(): void {
    const found = this.found;
    if (found.dirty) {
      for (let k = 0; k < KEYS.length; k++) {
        const letter = found.letter[k]!;
        // Rows without a value are filled in as nulls when the column next moves on.
        if (letter !== 0) this.builders[k]!.pushAt(this.rows, letter, found.text[k]!, found.start[k]!, found.end[k]!);
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

const KEY_LENGTHS = new Uint8Array(Math.max(...KEY_BYTES.map((k) => k.length)) + 1);
const FIRST_BYTES = new Uint8Array(256);
for (const key of KEY_BYTES) {
  KEY_LENGTHS[key.length] = 1;
  FIRST_BYTES[key[0]!] = 1;
}

/**
 * The dedicated values found in one span: a type letter (0 = key absent) and the value's
 * text as a byte range, of the attribute bytes or of `text[k]` when it had to be rewritten
 * (escapes, number forms, parsed JSON). Kept in typed arrays: no allocation per key.
 */
class Found {
  readonly letter = new Uint8Array(KEYS.length);
  readonly start = new Int32Array(KEYS.length);
  readonly end = new Int32Array(KEYS.length);
  readonly text: (Uint8Array | undefined)[] = KEYS.map(() => undefined);
  /** Whether any key was set since the last clear (many spans have none). */
  dirty = true;

  clear(): void {
    if (!this.dirty) return;
    this.letter.fill(0);
    this.text.fill(undefined);
    this.dirty = false;
  }

  setRange(k: number, letter: number, start: number, end: number): void {
    this.dirty = true;
    this.letter[k] = letter;
    this.start[k] = start;
    this.end[k] = end;
  }

  setText(k: number, letter: number, text: Uint8Array): void {
    this.setRange(k, letter, 0, text.length);
    this.text[k] = text;
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
    if (this.length >> 3 >= this.validity.length) this.validity = grownTo(this.validity, this.validity.length * 2);
    this.validity[this.length >> 3]! |= 1 << (this.length & 7);
    this.endRow();
  }

  private endRow(): void {
    if (this.length + 2 > this.offsets.length) this.offsets = grownTo(this.offsets, this.offsets.length * 2);
    this.offsets[++this.length] = this.used;
  }

  finish(): Data<Utf8> {
    return makeData({
      type: new Utf8(),
      length: this.length,
      nullCount: this.nulls,
      nullBitmap: this.validity.subarray(0, Math.ceil(this.length / 8)),
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

/**
 * Reads `[{"key":"k","value":{"member":v}}, ...]` in bytes [from, to) and records the first
 * occurrence of each dedicated key. Returns false on anything else (the caller parses).
 */
function scanCanonical(b: Uint8Array, from: number, to: number, found: Found): boolean {
  let p = from;
  if (b[p++] !== OPEN_BRACKET) return false;
  if (b[p] === CLOSE_BRACKET) return p + 1 === to;
  for (;;) {
    if (!startsWith(b, p, KEY_OPEN)) return false;
    const keyStart = p + KEY_OPEN.length;
    let keyEnd = keyStart;
    while (keyEnd < to && b[keyEnd] !== QUOTE) {
      if (b[keyEnd] === BACKSLASH) return false;
      keyEnd++;
    }
    if (keyEnd >= to) return false;
    p = keyEnd;
    if (!startsWith(b, p, VALUE_OPEN)) return false;
    p += VALUE_OPEN.length;
    const k = dedicatedIndex(b, keyStart, keyEnd);
    const end = readValue(b, p, to, k >= 0 && found.letter[k] === 0 ? k : -1, found);
    if (end < 0) return false;
    p = end;
    if (b[p++] !== CLOSE_BRACE) return false;
    if (b[p] === COMMA) p++;
    else return b[p] === CLOSE_BRACKET && p + 1 === to;
  }
}

/**
 * Reads the value object at p (`{}` or `{"member":v}`), records its dedicated text as key k
 * (unless k is -1), and returns the position after it (-1 if it is not canonical).
 */
function readValue(b: Uint8Array, p: number, to: number, k: number, found: Found): number {
  if (b[p] !== OPEN_BRACE) return -1;
  if (b[p + 1] === CLOSE_BRACE) {
    if (k >= 0) found.setRange(k, TYPE_LETTER.x, 0, 0);
    return p + 2;
  }
  if (b[p + 1] !== QUOTE) return -1;
  const memberEnd = b.indexOf(QUOTE, p + 2);
  if (memberEnd < 0 || b[memberEnd + 1] !== 0x3a) return -1;
  const letter = memberLetter(b[p + 2]!, memberEnd - (p + 2));
  let q = memberEnd + 2;
  if (letter === TYPE_LETTER.x) {
    q = skipJson(b, q, to);
    if (k >= 0) found.setRange(k, TYPE_LETTER.x, 0, 0);
  } else if (b[q] === QUOTE) {
    const close = stringEnd(b, q + 1, to);
    if (close < 0) return -1;
    if (k >= 0) {
      if (hasByte(b, q + 1, close, BACKSLASH)) {
        found.setText(k, letter, utf8.encode(JSON.parse(textDecoder.decode(b.subarray(q, close + 1)))));
      } else found.setRange(k, letter, q + 1, close);
    }
    q = close + 1;
  } else {
    let close = q;
    while (close < to && b[close] !== CLOSE_BRACE && b[close] !== COMMA) close++;
    if (close >= to || b[close] !== CLOSE_BRACE) return -1; // a second member: not canonical
    if (k >= 0) {
      const raw = textDecoder.decode(b.subarray(q, close));
      // A null member counts as absent: the value has no typed member left.
      if (raw === "null") found.setRange(k, TYPE_LETTER.x, 0, 0);
      else if (letter === TYPE_LETTER.b) found.setRange(k, letter, q, close);
      else found.setText(k, letter, utf8.encode(jsonNumberText(raw)));
    }
    q = close;
  }
  if (q < 0 || b[q] !== CLOSE_BRACE) return -1;
  return q + 1;
}

function memberLetter(first: number, length: number): number {
  if (first === TYPE_LETTER.s && length === 11) return TYPE_LETTER.s; // stringValue
  if (first === TYPE_LETTER.i && length === 8) return TYPE_LETTER.i; // intValue
  if (first === TYPE_LETTER.d && length === 11) return TYPE_LETTER.d; // doubleValue
  if (first === TYPE_LETTER.b && length === 9) return TYPE_LETTER.b; // boolValue
  return TYPE_LETTER.x; // arrayValue, kvlistValue, bytesValue
}

/** Index of the closing quote of a string whose content starts at p (escapes honoured). */
function stringEnd(b: Uint8Array, p: number, to: number): number {
  for (;;) {
    const q = b.indexOf(QUOTE, p);
    if (q < 0 || q >= to) return -1;
    let slashes = 0;
    while (b[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
    p = q + 1;
  }
}

/** Position after the JSON value starting at p (object, array, string or scalar). */
function skipJson(b: Uint8Array, p: number, to: number): number {
  let depth = 0;
  while (p < to) {
    const c = b[p]!;
    if (c === QUOTE) {
      p = stringEnd(b, p + 1, to);
      if (p < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return p;
      depth--;
      if (depth === 0) return p + 1;
    } else if (c === COMMA && depth === 0) return p;
    p++;
  }
  return -1;
}

function hasByte(b: Uint8Array, from: number, to: number, byte: number): boolean {
  for (let i = from; i < to; i++) if (b[i] === byte) return true;
  return false;
}

function startsWith(b: Uint8Array, p: number, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (b[p + i] !== prefix[i]) return false;
  return true;
}

function dedicatedIndex(b: Uint8Array, from: number, to: number): number {
  const len = to - from;
  outer: for (let k = 0; k < KEY_BYTES.length; k++) {
    const key = KEY_BYTES[k]!;
    if (key.length !== len) continue;
    for (let i = 0; i < len; i++) if (b[from + i] !== key[i]) continue outer;
    return k;
  }
  return -1;
}

/** Any valid JSON: the same values through JSON.parse (NULLs if it does not parse). */
function scanParsed(text: Uint8Array, found: Found): void {
  let members: unknown;
  try {
    members = JSON.parse(textDecoder.decode(text));
  } catch {
    return;
  }
  if (!Array.isArray(members)) return;
  for (const kv of members) {
    if (typeof kv !== "object" || kv === null) continue;
    const k = KEYS.indexOf((kv as { key?: unknown }).key as string);
    if (k < 0 || found.letter[k] !== 0) continue;
    const typed = typedText((kv as { value?: unknown }).value);
    found.setText(k, typed.charCodeAt(0), utf8.encode(typed.slice(1)));
  }
}

function typedText(value: unknown): string {
  if (typeof value !== "object" || value === null) return "x";
  const v = value as Record<string, unknown>;
  for (const [member, letter] of [["stringValue", "s"], ["intValue", "i"], ["doubleValue", "d"], ["boolValue", "b"]] as const) {
    const m = v[member];
    if (m === undefined || m === null || typeof m === "object") continue;
    return letter + (typeof m === "number" ? jsonNumberText(String(m)) : String(m));
  }
  return "x";
}

const INTEGER = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A JSON number as DuckDB's json_extract_string prints it (yyjson): integers that fit 64 bits
 * in canonical form, larger ones as written; reals as the shortest round-trip digits, an
 * exponent without "+", and ".0" on integral values (`1e3` → "1000.0", `1e+300` → "1e300").
 */
export function jsonNumberText(raw: string): string {
  if (INTEGER.test(raw)) {
    const n = BigInt(raw);
    return n >= INT64_MIN && n <= UINT64_MAX ? n.toString() : raw;
  }
  const value = Number(raw);
  if (Number.isNaN(value) && raw !== "NaN") return raw;
  const text = String(value).replace("e+", "e");
  return INTEGER.test(text) ? `${text}.0` : text;
}
