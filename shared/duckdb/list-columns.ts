/**
 * Reading a LIST(STRUCT(...)) result column of fixed-width fields straight from DuckDB's
 * vector memory: each row's list is a range of one flat child vector, so a whole chunk's lists
 * cross into JavaScript as one typed-array copy per field (node-api's `getItem` builds a JS
 * array and a value object per element, which dominated reads of many samples). One list of
 * structs, not one list per field, so a single ORDER BY sorts every field together.
 *
 * The ranges are DuckDB's list_entry_t { uint64 offset; uint64 length }; validity is its
 * uint64 bitmask words (null when every element is valid).
 */
import duckdb from "@duckdb/node-bindings";
import type { DuckDBDataChunk } from "@duckdb/node-api";

type Vector = ReturnType<typeof duckdb.data_chunk_get_vector>;

/** A struct field's type as read here: DOUBLE or INTEGER. */
export type FieldKind = "float64" | "int32";

export interface FlatField {
  values: Float64Array | Int32Array;
  /** Bit i set: element i is valid; null: all valid. */
  validity: Uint8Array | null;
}

export interface StructListColumn {
  /** Row r's elements are [offsets[r], offsets[r] + lengths[r]) of every field. */
  offsets: Float64Array;
  lengths: Float64Array;
  fields: FlatField[];
}

/** The LIST(STRUCT(f0, f1, …)) column `column` of `chunk`, field i read as `kinds[i]`. */
export function structListColumn(chunk: DuckDBDataChunk, column: number, kinds: readonly FieldKind[]): StructListColumn {
  const { vector, size, offsets, lengths } = listEntries(chunk, column);
  const child = duckdb.list_vector_get_child(vector);
  const fields = kinds.map((kind, i) => flatField(duckdb.struct_vector_get_child(child, i), size, kind));
  return { offsets, lengths, fields };
}

/**
 * The LIST of one fixed-width type column `column` of `chunk`, read as `kind`: a list of
 * plain values costs DuckDB less to build than a list of one-field structs.
 */
export function flatListColumn(chunk: DuckDBDataChunk, column: number, kind: FieldKind): { offsets: Float64Array; lengths: Float64Array; field: FlatField } {
  const { vector, size, offsets, lengths } = listEntries(chunk, column);
  return { offsets, lengths, field: flatField(duckdb.list_vector_get_child(vector), size, kind) };
}

function listEntries(chunk: DuckDBDataChunk, column: number): { vector: Vector; size: number; offsets: Float64Array; lengths: Float64Array } {
  const rows = duckdb.data_chunk_get_size(chunk.chunk);
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
  const entries = new Uint32Array(copied(duckdb.vector_get_data(vector, rows * 16)).buffer, 0, rows * 4);
  const offsets = new Float64Array(rows);
  const lengths = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    offsets[r] = entries[r * 4]! + entries[r * 4 + 1]! * 2 ** 32;
    lengths[r] = entries[r * 4 + 2]! + entries[r * 4 + 3]! * 2 ** 32;
  }
  return { vector, size: duckdb.list_vector_get_size(vector), offsets, lengths };
}

export function isValid(validity: Uint8Array | null, index: number): boolean {
  return validity === null || (validity[index >> 3]! & (1 << (index & 7))) !== 0;
}

function flatField(vector: Vector, size: number, kind: FieldKind): FlatField {
  if (size === 0) return { values: kind === "float64" ? new Float64Array(0) : new Int32Array(0), validity: null };
  const width = kind === "float64" ? 8 : 4;
  const bytes = copied(duckdb.vector_get_data(vector, size * width));
  const values = kind === "float64" ? new Float64Array(bytes.buffer, 0, size) : new Int32Array(bytes.buffer, 0, size);
  const mask = duckdb.vector_get_validity(vector, Math.ceil(size / 64) * 8);
  return { values, validity: mask ? copied(mask) : null };
}

/** A copy of `bytes` in a buffer of its own: aligned for any typed view, and outliving the chunk. */
function copied(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}
