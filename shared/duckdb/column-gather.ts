/**
 * Like column-copy.ts, but the chunk's rows come from anywhere in several batches, in the
 * order a RowOrder gives: one column of one data chunk is gathered element by element from
 * the batches' own buffers (fixed-width values and string_t structs pointing into Arrow's
 * UTF-8 bytes), still one native copy per chunk column.
 *
 * A column's views over every batch (and the addresses of its UTF-8 buffers) are taken once,
 * by gatherSource, not once per 2,048-row chunk.
 */
import duckdb from "@duckdb/node-bindings";
import { DataType, type Data } from "apache-arrow";
import { STRING_T_BYTES, INLINE_BYTES, stablePointer, type Scratch } from "./column-copy.ts";
import { int64Words } from "./column-data.ts";
import type { RowOrder } from "./row-order.ts";
import type { SupportedKind } from "./types.ts";

type Vector = ReturnType<typeof duckdb.data_chunk_get_vector>;

const TWO_32 = 4294967296;

/** One column over every batch of a scan, ready to gather from; `[b]` is batch b. */
export type GatherSource =
  | { kind: "int32" | "float64"; values: (Int32Array | Float64Array)[]; datas: readonly Data[] }
  | { kind: "int64"; words: Int32Array[]; datas: readonly Data[] }
  | { kind: "bool"; datas: readonly Data[] }
  | {
      kind: "utf8";
      /**
       * Utf8 columns, or Dictionary<Int32, Utf8> ones (the Flight wire form of repeated
       * columns): a dictionary row points at its entry (indices[b]), nothing is expanded.
       * The caller checked the dictionaries (isDirectDictionary).
       */
      indices: (Int32Array | undefined)[];
      offsets: Int32Array[];
      values: Uint8Array[];
      bases: number[];
      datas: readonly Data[];
    };

/** `datas[b]`: the column of batch b. Touches every UTF-8 buffer once for its address. */
export function gatherSource(kind: SupportedKind, datas: readonly Data[]): GatherSource {
  switch (kind) {
    case "int32":
    case "float64":
      return { kind, values: datas.map((d) => d.values as Int32Array | Float64Array), datas };
    case "int64":
      return { kind, words: datas.map(int64Words), datas };
    case "bool":
      return { kind, datas };
    case "utf8": {
      const strings = datas.map((d) => (d.dictionary ? d.dictionary.data[0]! : d));
      const values = strings.map((d) => d.values as Uint8Array);
      return {
        kind,
        indices: datas.map((d) => (d.dictionary ? (d.values as Int32Array) : undefined)),
        offsets: strings.map((d) => d.valueOffsets as Int32Array),
        values,
        bases: values.map(stablePointer),
        datas,
      };
    }
  }
}

/** Output rows [start, start + n) of `order` into rows [0, n) of `vector`. */
export function gatherColumnSlice(vector: Vector, source: GatherSource, order: RowOrder, start: number, n: number, scratch: Scratch): void {
  const { batch, row } = order;
  switch (source.kind) {
    case "int32":
    case "float64": {
      const bpe = source.kind === "int32" ? 4 : 8;
      const bytes = scratch.bytes(n * bpe);
      const out = source.kind === "int32" ? new Int32Array(bytes.buffer, bytes.byteOffset, n) : new Float64Array(bytes.buffer, bytes.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = source.values[batch[start + i]!]![row[start + i]!]!;
      duckdb.copy_data_to_vector(vector, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, n * bpe);
      break;
    }
    case "int64": {
      // Two 32-bit words per value: no BigInt per element.
      const bytes = scratch.bytes(n * 8);
      const out = new Int32Array(bytes.buffer, bytes.byteOffset, n * 2);
      for (let i = 0; i < n; i++) {
        const w = source.words[batch[start + i]!]!;
        const r = row[start + i]! * 2;
        out[i * 2] = w[r]!;
        out[i * 2 + 1] = w[r + 1]!;
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

function gatherUtf8(vector: Vector, source: Extract<GatherSource, { kind: "utf8" }>, order: RowOrder, start: number, n: number, scratch: Scratch): void {
  const { indices, offsets, values, bases } = source;
  const structs = scratch.strings(n * STRING_T_BYTES);
  const words = new Uint32Array(structs.buffer, structs.byteOffset, n * 4);
  for (let i = 0; i < n; i++) {
    const b = order.batch[start + i]!;
    const rowIndices = indices[b];
    const r = rowIndices ? rowIndices[order.row[start + i]!]! : order.row[start + i]!;
    const offs = offsets[b]!;
    const vals = values[b]!;
    const from = offs[r]!;
    const len = offs[r + 1]! - from;
    const w = i * 4;
    words[w] = len;
    const at = i * STRING_T_BYTES + 4;
    if (len <= INLINE_BYTES) {
      for (let k = 0; k < len; k++) structs[at + k] = vals[from + k]!;
      continue;
    }
    structs[at] = vals[from]!;
    structs[at + 1] = vals[from + 1]!;
    structs[at + 2] = vals[from + 2]!;
    structs[at + 3] = vals[from + 3]!;
    const address = bases[b]! + from;
    words[w + 2] = address % TWO_32;
    words[w + 3] = Math.floor(address / TWO_32);
  }
  duckdb.copy_data_to_vector(vector, 0, structs.buffer as ArrayBuffer, structs.byteOffset, n * STRING_T_BYTES);
}

/** The validity of output rows [start, start + n), gathered bit by bit. */
export function gatherValiditySlice(vector: Vector, source: GatherSource, order: RowOrder, start: number, n: number, scratch: Scratch): void {
  const words = Math.ceil(n / 64);
  const mask = scratch.validity(words * 8);
  mask.fill(0);
  for (let i = 0; i < n; i++) {
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
