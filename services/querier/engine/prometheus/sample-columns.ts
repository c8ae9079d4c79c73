/**
 * A DuckDB chunk's sample columns (time in ms, value, flags) and row numbers read straight
 * from its vectors as typed arrays: copies, so they outlive the chunk. The bindings'
 * vector_get_data already answers a copy in a buffer of its own (at offset 0, so aligned for
 * any typed view): copying it again cost a first read of many files a good part of its time.
 */
import type { DuckDBDataChunk } from "@duckdb/node-api";
import duckdb from "@duckdb/node-bindings";

/** What the columns are selected as: time in ms, value (null: no sample), flags. */
export const SAMPLE = "(time_unix_nano // 1000000)::DOUBLE, coalesce(value_double, value_int::DOUBLE), flags::INTEGER";

export interface SampleColumns {
  times: Float64Array;
  values: Float64Array;
  validity: Uint8Array | null;
  flags: Int32Array;
}

/** The SAMPLE columns starting at column `first`. */
export function samplesOf(chunk: DuckDBDataChunk, first: number, rows: number): SampleColumns {
  return {
    times: new Float64Array(fixedWidth(chunk, first, rows, 8).buffer, 0, rows),
    values: new Float64Array(fixedWidth(chunk, first + 1, rows, 8).buffer, 0, rows),
    validity: validityOf(chunk, first + 1, rows),
    flags: int32Column(chunk, first + 2, rows),
  };
}

export function int32Column(chunk: DuckDBDataChunk, column: number, rows: number): Int32Array {
  return new Int32Array(fixedWidth(chunk, column, rows, 4).buffer, 0, rows);
}

/** A copy of column `column`'s first `rows` values (`width` bytes each) of a flat chunk vector. */
export function fixedWidth(chunk: DuckDBDataChunk, column: number, rows: number, width: number): Uint8Array {
  return ownBuffer(duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, column), rows * width));
}

/** `bytes` as they are when they fill a buffer of their own, else copied into one. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function validityOf(chunk: DuckDBDataChunk, column: number, rows: number): Uint8Array | null {
  const mask = duckdb.vector_get_validity(duckdb.data_chunk_get_vector(chunk.chunk, column), Math.ceil(rows / 64) * 8);
  return mask ? ownBuffer(mask) : null;
}

