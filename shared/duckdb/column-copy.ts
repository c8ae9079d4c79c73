/**
 * Copying one slice of an Arrow column into a DuckDB vector without going through per-value
 * JS objects: fixed-width columns are one memcpy from the Arrow typed array, strings go
 * straight from Arrow's UTF-8 bytes (no decode/encode; see copyUtf8Slice), and the validity
 * mask is built in JS and copied in whole.
 *
 * Trap (FIELD-NOTES): the validity mask `vector_get_validity` hands back is a COPY; writing
 * to it does nothing. Validity must be copied in with `copy_data_to_vector_validity`.
 *
 * Arrow JS slicing rules this relies on (apache-arrow data.mjs `_sliceBuffers`): fixed-width
 * values and Utf8 offsets are sub-arrayed on slice (index from 0), while the Bool value
 * bitmap and the null bitmap are not (bit index = data.offset + i).
 */
import { ptr } from "bun:ffi";
import duckdb from "@duckdb/node-bindings";
import type { Data } from "apache-arrow";
import type { SupportedKind } from "./types.ts";

type Vector = ReturnType<typeof duckdb.data_chunk_get_vector>;

export class NullInNotNullColumnError extends Error {
  constructor(column: string) {
    super(`column ${column} is declared NOT NULL but the Arrow data contains nulls`);
    this.name = "NullInNotNullColumnError";
  }
}

/** Rows [start, start + n) of `data` into rows [0, n) of `vector`. */
export function copyColumnSlice(
  vector: Vector,
  kind: SupportedKind,
  data: Data,
  start: number,
  n: number,
  nullable: boolean,
  scratch: Scratch,
): void {
  switch (kind) {
    case "int32":
    case "int64":
    case "float64": {
      const values = data.values as Int32Array | BigInt64Array | Float64Array;
      const bpe = values.BYTES_PER_ELEMENT;
      duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset + start * bpe, n * bpe);
      break;
    }
    case "bool": {
      const bits = data.values as Uint8Array;
      const bytes = scratch.bytes(n);
      const base = data.offset + start;
      for (let i = 0; i < n; i++) {
        const bit = base + i;
        bytes[i] = (bits[bit >> 3] >> (bit & 7)) & 1;
      }
      duckdb.copy_data_to_vector(vector, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
      break;
    }
    case "utf8":
      copyUtf8Slice(vector, data, start, n, nullable, scratch);
      break;
  }
}

/**
 * Strings are written in bulk as DuckDB `string_t` structs (16 bytes each), one native copy
 * per chunk column instead of one native call per string:
 * - strings of at most 12 bytes are inlined (u32 length + 12 zero-padded bytes);
 * - longer ones are u32 length + 4-byte prefix + a pointer into Arrow's own UTF-8 buffer.
 *   The appender copies string bytes into its own storage during appendDataChunk (DuckDB's
 *   ColumnDataCollection heap), so the pointer only has to stay valid for that call: the
 *   Arrow buffer is referenced by the batch the caller holds. This removed several native
 *   calls per span (ids, names, attribute JSON), which were the bulk of appendArrow's time.
 * - a NOT NULL slice whose rows are all the same string (batch_id, scope name ...) becomes
 *   a DuckDB constant vector: one call for the whole chunk.
 * Like DuckDB's `unsafe` string assignment this does not re-validate UTF-8: Arrow Utf8
 * columns here come from TextEncoder (acceptor) or from our own Flight peers.
 */
function copyUtf8Slice(vector: Vector, data: Data, start: number, n: number, nullable: boolean, scratch: Scratch): void {
  const offsets = data.valueOffsets as Int32Array;
  const values = data.values as Uint8Array;
  const hasNulls = data.nullCount > 0;
  if (!nullable && !hasNulls && n > 1 && isConstantSlice(offsets, values, start, n)) {
    const text = utf8.decode(values.subarray(offsets[start], offsets[start + 1]));
    duckdb.vector_reference_value(vector, duckdb.create_varchar(text));
    return;
  }
  const structs = scratch.strings(n * STRING_T_BYTES);
  const words = new Uint32Array(structs.buffer, structs.byteOffset, n * 4);
  const base = stablePointer(values);
  for (let i = 0; i < n; i++) writeStringT(structs, words, i, offsets, values, base, start + i);
  duckdb.copy_data_to_vector(vector, 0, structs.buffer as ArrayBuffer, structs.byteOffset, n * STRING_T_BYTES);
}

const TWO_32 = 4294967296;

/**
 * Writes the string_t of string `r` (of `offsets` / `values`, whose address is `base`) as slot
 * `i` of `bytes` / `words` (two views of one zeroed buffer: an inlined string's unused bytes
 * must stay zero).
 */
export function writeStringT(bytes: Uint8Array, words: Uint32Array, i: number, offsets: Int32Array, values: Uint8Array, base: number, r: number): void {
  const from = offsets[r]!;
  const len = offsets[r + 1]! - from;
  const w = i * 4;
  words[w] = len;
  const at = i * STRING_T_BYTES + 4;
  if (len <= INLINE_BYTES) {
    for (let k = 0; k < len; k++) bytes[at + k] = values[from + k]!;
    return;
  }
  bytes[at] = values[from]!;
  bytes[at + 1] = values[from + 1]!;
  bytes[at + 2] = values[from + 2]!;
  bytes[at + 3] = values[from + 3]!;
  const address = base + from;
  words[w + 2] = address % TWO_32;
  words[w + 3] = Math.floor(address / TWO_32);
}

/**
 * The address of `values[0]`. Bun keeps small typed arrays inside the GC heap until their
 * `.buffer` is first touched, and moves them out then: touching it first makes the address
 * stable for as long as the array is alive.
 */
export function stablePointer(values: Uint8Array): number {
  if (values.byteLength === 0) return 0;
  void values.buffer;
  return ptr(values);
}

/** DuckDB's string_t: 16 bytes; strings up to 12 bytes live inside it. */
export const STRING_T_BYTES = 16;
export const INLINE_BYTES = 12;
const utf8 = new TextDecoder();

function isConstantSlice(offsets: Int32Array, values: Uint8Array, start: number, n: number): boolean {
  const first = offsets[start];
  const len = offsets[start + 1] - first;
  for (let i = 1; i < n; i++) {
    const from = offsets[start + i];
    if (offsets[start + i + 1] - from !== len) return false;
    for (let k = 0; k < len; k++) if (values[from + k] !== values[first + k]) return false;
  }
  return true;
}

/**
 * Writes the validity of rows [start, start + n) into `vector`. Always written for nullable
 * columns, so a reused data chunk never keeps the null bits of a previous slice.
 */
export function copyValiditySlice(vector: Vector, data: Data, start: number, n: number, scratch: Scratch): void {
  const words = Math.ceil(n / 64);
  const mask = scratch.validity(words * 8);
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) {
    mask.fill(0xff);
  } else {
    const firstBit = data.offset + start;
    if ((firstBit & 7) === 0) {
      // Arrow and DuckDB both number validity bits LSB-first: byte-aligned slices copy as is.
      const from = firstBit >> 3;
      const len = Math.ceil(n / 8);
      mask.fill(0);
      mask.set(bitmap.subarray(from, from + len));
    } else {
      mask.fill(0);
      for (let i = 0; i < n; i++) {
        const bit = firstBit + i;
        if ((bitmap[bit >> 3] >> (bit & 7)) & 1) mask[i >> 3] |= 1 << (i & 7);
      }
    }
  }
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer as ArrayBuffer, mask.byteOffset, words * 8);
}

export function isValid(data: Data, row: number): boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return true;
  const bit = data.offset + row;
  return ((bitmap[bit >> 3] >> (bit & 7)) & 1) === 1;
}

/** Reusable byte buffers, so a million-row append does not allocate per chunk. */
export class Scratch {
  private boolBytes = new Uint8Array(0);
  private validityBytes = new Uint8Array(0);
  private stringBytes = new Uint8Array(0);

  /** Zeroed: inlined string_t slots must be zero-padded (DuckDB compares all 16 bytes). */
  strings(n: number): Uint8Array {
    if (this.stringBytes.length < n) this.stringBytes = new Uint8Array(n);
    const out = this.stringBytes.subarray(0, n);
    out.fill(0);
    return out;
  }

  bytes(n: number): Uint8Array {
    if (this.boolBytes.length < n) this.boolBytes = new Uint8Array(n);
    return this.boolBytes.subarray(0, n);
  }

  validity(n: number): Uint8Array {
    if (this.validityBytes.length < n) this.validityBytes = new Uint8Array(n);
    return this.validityBytes.subarray(0, n);
  }
}
