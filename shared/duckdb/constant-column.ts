/**
 * A column whose every row holds the same value over all the batches of a scan — most of a
 * metrics flush: remote write's unit, description, type, scope and resource columns, its
 * zero start times and flags. Such a column is not gathered row by row: the scan copies one
 * chunk of the value, built once, into each output vector.
 *
 * Only what is cheap to recognise counts: fixed-width values equal bit for bit (a scan that
 * stops at the first difference), and dictionaries of one entry whose bytes are equal.
 * A column with a null, or plain strings, is gathered as before.
 */
import duckdb from "@duckdb/node-bindings";
import type { Data } from "apache-arrow";
import { STRING_T_BYTES, writeStringT } from "./column-copy.ts";
import type { Utf8Parts } from "./column-data.ts";

/** One value as DuckDB stores it (`rowBytes` bytes), repeated for a whole output vector. */
export interface ConstantChunk {
  chunk: Uint8Array;
  rowBytes: number;
}

function repeatedChunk(row: Uint8Array): ConstantChunk {
  const chunk = new Uint8Array(duckdb.vector_size() * row.length);
  chunk.set(row);
  for (let filled = row.length; filled < chunk.length; filled *= 2) chunk.copyWithin(filled, 0, Math.min(filled, chunk.length - filled));
  return { chunk, rowBytes: row.length };
}

/**
 * A vector of the value every row of `datas` holds (fixed width: `words32` 32-bit words a
 * value, the values as words), or undefined when two rows differ or there are none.
 */
export function constantFixedChunk(datas: readonly Data[], words32: number): ConstantChunk | undefined {
  let first: Int32Array | undefined;
  for (const d of datas) {
    if (d.nullCount > 0) return undefined;
    const bytes = d.values as ArrayBufferView;
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, d.length * words32);
    if (words.length === 0) continue;
    first ??= words.slice(0, words32);
    for (let i = 0; i < words.length; i += words32) {
      for (let k = 0; k < words32; k++) if (words[i + k] !== first[k]) return undefined;
    }
  }
  return first && repeatedChunk(new Uint8Array(first.buffer));
}

/**
 * A vector of the string_t of the one string every row holds, when every batch is a
 * dictionary of one entry with the same bytes (the scan keeps the batches, so a string_t
 * pointing into the first one stays valid); else undefined.
 */
export function constantUtf8Chunk(parts: Utf8Parts, bases: readonly number[], datas: readonly Data[]): ConstantChunk | undefined {
  const { indices, strings, offsets, values } = parts;
  if (strings.length === 0) return undefined;
  const entry = (b: number) => values[b]!.subarray(offsets[b]![0]!, offsets[b]![1]!);
  const bytes = entry(0);
  for (let b = 0; b < strings.length; b++) {
    if (!indices[b] || strings[b]!.length !== 1 || datas[b]!.nullCount > 0) return undefined;
    if (b > 0 && Buffer.compare(entry(b), bytes) !== 0) return undefined;
  }
  const row = new Uint8Array(STRING_T_BYTES);
  writeStringT(row, new Uint32Array(row.buffer), 0, offsets[0]!, values[0]!, bases[0]!, 0);
  return repeatedChunk(row);
}
