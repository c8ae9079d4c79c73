/**
 * Like column-copy.ts, but the chunk's rows come from anywhere in several batches, in the
 * order a RowOrder gives: one column of one data chunk is gathered element by element from
 * the batches' own buffers (fixed-width values and string_t structs pointing into Arrow's
 * UTF-8 bytes), still one native copy per chunk column.
 *
 * A column's views over every batch (and the string_t of its strings) are taken once, by
 * gatherSource, not once per 2,048-row chunk.
 */
import duckdb from "@duckdb/node-bindings";
import { DataType, type Data } from "apache-arrow";
import { STRING_T_BYTES, stablePointer, writeStringT, type Scratch } from "./column-copy.ts";
import { int64Words, utf8Parts, type Utf8Parts } from "./column-data.ts";
import { isRestoredDictionary } from "../tables/index.ts";
import { constantFixedChunk, constantUtf8Chunk, type ConstantChunk } from "./constant-column.ts";
import type { RowOrder } from "./row-order.ts";
import type { SupportedKind } from "./types.ts";

type Vector = ReturnType<typeof duckdb.data_chunk_get_vector>;

/**
 * Which rows of a column are null over every batch of a scan: known once, so a column with
 * none (most) or only nulls (remote write's unset numbers) is not read bit by bit per chunk.
 */
export type NullRows = "none" | "all" | "some";

/**
 * One column over every batch of a scan, ready to gather from; `[b]` is batch b. `constant`:
 * every row holds one value, and this is a whole vector of it (constant-column.ts).
 */
export type GatherSource = { nulls: NullRows; constant?: ConstantChunk } & (
  | { kind: "int32" | "float64"; values: (Int32Array | Float64Array)[]; datas: readonly Data[] }
  | { kind: "int64"; words: Int32Array[]; datas: readonly Data[] }
  | { kind: "bool"; datas: readonly Data[] }
  | (Utf8Parts & {
      kind: "utf8";
      /** Per batch, the address of its strings' bytes. */
      bases: number[];
      /** Per batch, the DuckDB string_t of each of `strings` (stringStructs), made when first gathered: with `keep`, or for a dictionary. */
      structs: (Uint32Array | undefined)[];
      /** The batches will be scanned again: keep the string_t of plain columns with them too. */
      keep: boolean;
      datas: readonly Data[];
    })
);

/**
 * `datas[b]`: the column of batch b. `keep`: the batches will be scanned again (the querier's
 * live rows), so the string_t of plain strings are worth keeping with them (16 bytes a
 * string); a one-off scan (a flush) builds them chunk by chunk in reused memory instead.
 */
export function gatherSource(kind: SupportedKind, datas: readonly Data[], keep = false): GatherSource {
  const nulls = nullRows(datas);
  switch (kind) {
    case "int32":
    case "float64": {
      const constant = constantFixedChunk(datas, kind === "int32" ? 1 : 2);
      return { nulls, constant, kind, values: datas.map((d) => d.values as Int32Array | Float64Array), datas };
    }
    case "int64":
      return { nulls, constant: constantFixedChunk(datas, 2), kind, words: datas.map(int64Words), datas };
    case "bool":
      return { nulls, kind, datas };
    case "utf8": {
      const parts = utf8Parts(datas);
      const bases = parts.values.map(stablePointer);
      return {
        nulls,
        constant: constantUtf8Chunk(parts, bases, datas),
        kind,
        ...parts,
        bases,
        // Filled in as batches are first gathered; allocated whole so the array stays dense.
        structs: new Array<Uint32Array | undefined>(datas.length).fill(undefined),
        keep,
        datas,
      };
    }
  }
}

function nullRows(datas: readonly Data[]): NullRows {
  let nulls = 0;
  let rows = 0;
  for (const d of datas) {
    nulls += d.nullCount;
    rows += d.length;
  }
  return nulls === 0 ? "none" : nulls === rows ? "all" : "some";
}

/** Output rows [start, start + n) of `order` into rows [0, n) of `vector`. */
export function gatherColumnSlice(vector: Vector, source: GatherSource, order: RowOrder, start: number, n: number, scratch: Scratch): void {
  const { batch, row } = order;
  // Fixed-width values under a null are never read: a column of nulls only needs its validity.
  if (source.nulls === "all" && source.kind !== "utf8") return;
  if (source.constant) {
    const { chunk, rowBytes } = source.constant;
    duckdb.copy_data_to_vector(vector, 0, chunk.buffer as ArrayBuffer, chunk.byteOffset, n * rowBytes);
    return;
  }
  switch (source.kind) {
    case "int32":
    case "float64": {
      const bpe = source.kind === "int32" ? 4 : 8;
      const bytes = scratch.bytes(n * bpe);
      const out = source.kind === "int32" ? new Int32Array(bytes.buffer, bytes.byteOffset, n) : new Float64Array(bytes.buffer, bytes.byteOffset, n);
      // Rows of one batch follow each other in runs (a sorted scan meets a request's rows together): its values are looked up once a run.
      for (let i = 0; i < n; ) {
        const b = batch[start + i]!;
        const values = source.values[b]!;
        do {
          out[i] = values[row[start + i]!]!;
          i++;
        } while (i < n && batch[start + i] === b);
      }
      duckdb.copy_data_to_vector(vector, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, n * bpe);
      break;
    }
    case "int64": {
      // Two 32-bit words per value: no BigInt per element.
      const bytes = scratch.bytes(n * 8);
      const out = new Int32Array(bytes.buffer, bytes.byteOffset, n * 2);
      for (let i = 0; i < n; ) {
        const b = batch[start + i]!;
        const w = source.words[b]!;
        do {
          const r = row[start + i]! * 2;
          out[i * 2] = w[r]!;
          out[i * 2 + 1] = w[r + 1]!;
          i++;
        } while (i < n && batch[start + i] === b);
      }
      duckdb.copy_data_to_vector(vector, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, n * 8);
      break;
    }
    case "bool": {
      const bytes = scratch.bytes(n);
      for (let i = 0; i < n; i++) {
        const d = source.datas[batch[start + i]!]!;
        const bit = d.offset + row[start + i]!;
        bytes[i] = ((d.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1;
      }
      duckdb.copy_data_to_vector(vector, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
      break;
    }
    case "utf8":
      gatherUtf8(vector, source, order, start, n, scratch);
      break;
  }
}

/** Each output row's string_t, made from its string's offsets and bytes. */
function gatherUtf8(vector: Vector, source: Extract<GatherSource, { kind: "utf8" }>, order: RowOrder, start: number, n: number, scratch: Scratch): void {
  if (source.keep) return gatherKeptUtf8(vector, source, order, start, n, scratch);
  const { indices, strings, offsets, values, bases, structs } = source;
  const bytes = scratch.strings(n * STRING_T_BYTES);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n * 4);
  for (let i = 0; i < n; ) {
    const b = order.batch[start + i]!;
    const rowIndices = indices[b];
    if (rowIndices) {
      // A dictionary's few entries: their string_t made once (kept with the dictionary).
      const from = (structs[b] ??= stringStructs(strings[b]!, bases[b]!));
      i = copyDictionaryRun(words, i, n, from, rowIndices, b, order, start);
    } else {
      writeStringT(bytes, words, i, offsets[b]!, values[b]!, bases[b]!, order.row[start + i]!);
      i++;
    }
  }
  duckdb.copy_data_to_vector(vector, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, n * STRING_T_BYTES);
}

/**
 * Output row i's string_t, a dictionary entry's, and that of every following row of the
 * same batch (a sorted scan meets a request's rows together): the batch's indices and
 * string_t are looked up once per such run, an entry's four words read again only when the
 * index changes. Returns the row after the run.
 */
function copyDictionaryRun(out: Uint32Array, i: number, n: number, from: Uint32Array, rowIndices: Int32Array, b: number, order: RowOrder, start: number): number {
  const { batch, row } = order;
  let index = -1;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  let o = i * 4;
  do {
    const next = rowIndices[row[start + i]!]!;
    if (next !== index) {
      index = next;
      const w = index * 4;
      w0 = from[w]!;
      w1 = from[w + 1]!;
      w2 = from[w + 2]!;
      w3 = from[w + 3]!;
    }
    out[o] = w0;
    out[o + 1] = w1;
    out[o + 2] = w2;
    out[o + 3] = w3;
    o += 4;
    i++;
  } while (i < n && batch[start + i] === b);
  return i;
}

/**
 * Each output row's string_t copied from its batch's kept ones (stringStructs): four words
 * per row, one copy for a run of consecutive rows of a plain column.
 */
function gatherKeptUtf8(vector: Vector, source: Extract<GatherSource, { kind: "utf8" }>, order: RowOrder, start: number, n: number, scratch: Scratch): void {
  const { indices, strings, bases, structs } = source;
  const bytes = scratch.strings(n * STRING_T_BYTES);
  const out = new Uint32Array(bytes.buffer, bytes.byteOffset, n * 4);
  const batchOf = order.batch;
  const rowOf = order.row;
  for (let i = 0; i < n; ) {
    const b = batchOf[start + i]!;
    const r = rowOf[start + i]!;
    const from = (structs[b] ??= stringStructs(strings[b]!, bases[b]!));
    const rowIndices = indices[b];
    if (rowIndices) {
      i = copyDictionaryRun(out, i, n, from, rowIndices, b, order, start);
      continue;
    }
    // Rows that follow each other in one batch (a scan in batch order): one copy.
    let end = i + 1;
    while (end < n && batchOf[start + end] === b && rowOf[start + end] === r + (end - i)) end++;
    out.set(from.subarray(r * 4, (r + end - i) * 4), i * 4);
    i = end;
  }
  duckdb.copy_data_to_vector(vector, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, n * STRING_T_BYTES);
}

const structsOf = new WeakMap<Data, Uint32Array>();

/**
 * DuckDB's string_t (16 bytes: length, then the string itself when it fits in 12 bytes, else
 * its first 4 bytes and its address) of every string of a Utf8 Data (a column or a
 * dictionary's entries), made once per Data and kept with it, so batches scanned again (the
 * querier's live rows, query after query) are not walked byte by byte again. The addresses
 * point into the Data's own buffer, which the map's key keeps alive. What it costs: 16 bytes
 * per string, for as long as the Data lives.
 */
function stringStructs(data: Data, base: number): Uint32Array {
  let words = structsOf.get(data);
  if (words) return words;
  words = new Uint32Array(data.length * 4);
  const bytes = new Uint8Array(words.buffer);
  const offsets = data.valueOffsets as Int32Array;
  const values = data.values as Uint8Array;
  for (let r = 0; r < data.length; r++) writeStringT(bytes, words, r, offsets, values, base, r);
  structsOf.set(data, words);
  return words;
}

/** The validity of output rows [start, start + n), gathered bit by bit. */
export function gatherValiditySlice(vector: Vector, source: GatherSource, order: RowOrder, start: number, n: number, scratch: Scratch): void {
  const words = Math.ceil(n / 64);
  const mask = scratch.validity(words * 8);
  mask.fill(source.nulls === "none" ? 0xff : 0);
  for (let i = 0; source.nulls === "some" && i < n; i++) {
    const d = source.datas[order.batch[start + i]!]!;
    const bitmap = d.nullBitmap;
    let valid = true;
    if (d.nullCount > 0 && bitmap && bitmap.length > 0) {
      const bit = d.offset + order.row[start + i]!;
      valid = ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
    }
    if (valid) mask[i >> 3]! |= 1 << (i & 7);
  }
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer as ArrayBuffer, mask.byteOffset, words * 8);
}

/**
 * A Dictionary<Int32, Utf8> column gatherUtf8 can read as is: one dictionary chunk, no null
 * rows, every index inside it (our own senders; anything else is expanded first).
 */
export function isDirectDictionary(data: Data): boolean {
  let direct = directDictionaries.get(data);
  if (direct === undefined) {
    direct = checkDirectDictionary(data);
    directDictionaries.set(data, direct);
  }
  return direct;
}

/** The answer per Data (its buffers do not change): the live buffer, the sort and the scan each ask. */
const directDictionaries = new WeakMap<Data, boolean>();

function checkDirectDictionary(data: Data): boolean {
  // A restored omitted column (the narrow wire form) is direct by construction: its indices are zeros.
  if (isRestoredDictionary(data)) return true;
  const dictionary = data.dictionary;
  if (!dictionary || dictionary.data.length !== 1 || !DataType.isUtf8(dictionary.type)) return false;
  if (data.nullCount > 0 || !(data.values instanceof Int32Array)) return false;
  const size = dictionary.data[0]!.length;
  const indices = data.values;
  for (let i = 0; i < data.length; i++) {
    const index = indices[i]!;
    if (index < 0 || index >= size) return false;
  }
  return true;
}
