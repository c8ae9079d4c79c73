/**
 * Reading LIST(DOUBLE) / LIST(INTEGER) result columns straight from DuckDB's vector memory:
 * each row's list is a range of one flat child vector, so a whole chunk's lists cross into
 * JavaScript as one typed-array copy (node-api's `getItem` builds a JS array and a value
 * object per element, which dominated reads of many samples).
 *
 * The ranges are DuckDB's list_entry_t { uint64 offset; uint64 length }; child validity is
 * its uint64 bitmask words (null when every element is valid).
 */
import duckdb from "@duckdb/node-bindings";
import type { DuckDBDataChunk } from "@duckdb/node-api";

export interface FlatListColumn<T extends Float64Array | Int32Array> {
  /** Row r's elements are values[offsets[r], offsets[r] + lengths[r]). */
  offsets: Float64Array;
  lengths: Float64Array;
  values: T;
  /** Bit i set: element i is valid; null: all valid. */
  validity: Uint8Array | null;
}

/** The LIST(DOUBLE) column `column` of `chunk`. */
export function float64ListColumn(chunk: DuckDBDataChunk, column: number): FlatListColumn<Float64Array> {
  return listColumn(chunk, column, 8, (bytes, n) => new Float64Array(copyAligned(bytes).buffer, 0, n));
}

/** The LIST(INTEGER) column `column` of `chunk`. */
export function int32ListColumn(chunk: DuckDBDataChunk, column: number): FlatListColumn<Int32Array> {
  return listColumn(chunk, column, 4, (bytes, n) => new Int32Array(copyAligned(bytes).buffer, 0, n));
}

export function isValid(validity: Uint8Array | null, index: number): boolean {
  return validity === null || (validity[index >> 3]! & (1 << (index & 7))) !== 0;
}

function listColumn<T extends Float64Array | Int32Array>(
  chunk: DuckDBDataChunk, column: number, width: number, view: (bytes: Uint8Array, n: number) => T,
): FlatListColumn<T> {
  const rows = duckdb.data_chunk_get_size(chunk.chunk);
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
  const entries = new Uint32Array(copyAligned(duckdb.vector_get_data(vector, rows * 16)).buffer, 0, rows * 4);
  const offsets = new Float64Array(rows);
  const lengths = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    offsets[r] = entries[r * 4]! + entries[r * 4 + 1]! * 2 ** 32;
    lengths[r] = entries[r * 4 + 2]! + entries[r * 4 + 3]! * 2 ** 32;
  }
  const child = duckdb.list_vector_get_child(vector);
  const size = duckdb.list_vector_get_size(vector);
  const values = view(size === 0 ? new Uint8Array(0) : duckdb.vector_get_data(child, size * width), size);
  const mask = size === 0 ? null : duckdb.vector_get_validity(child, Math.ceil(size / 64) * 8);
  return { offsets, lengths, values, validity: mask ? copyAligned(mask) : null };
}

/** A copy of `bytes` in a buffer of its own (aligned for any typed view, and outliving the chunk). */
function copyAligned(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}
