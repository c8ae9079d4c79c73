/**
 * The key columns of a row sort, read straight from the Arrow buffers: Utf8 (or the wire
 * form's Dictionary<Int32, Utf8>, a row's text being its dictionary entry) compared by UTF-8
 * bytes, and Int64 as pairs of 32-bit words.
 */
import { DataType, type Data, type RecordBatch } from "apache-arrow";
import { int64Words, singleChunk, utf8Parts } from "./column-data.ts";
import { isDirectDictionary } from "./column-gather.ts";
import { SchemaMismatchError } from "./errors.ts";

export type KeyColumn =
  | { kind: "utf8"; offsets: Int32Array[]; values: Uint8Array[]; indices: (Int32Array | undefined)[] }
  | { kind: "int64"; words: Int32Array[] };

export function keyColumn(batches: readonly RecordBatch[], name: string): KeyColumn {
  const datas = batches.map((b) => sortKeyData(b, name));
  if (datas.length > 0 && datas.every((d) => (d.dictionary ? isDirectDictionary(d) : DataType.isUtf8(d.type)))) {
    const { offsets, values, indices } = utf8Parts(datas);
    return { kind: "utf8", offsets, values, indices };
  }
  if (datas.every((d) => d.values instanceof BigInt64Array)) return { kind: "int64", words: datas.map(int64Words) };
  if (datas.length === 0) return { kind: "int64", words: [] };
  throw new SchemaMismatchError(`sort column ${name} must be Utf8 (or a clean dictionary of it) or Int64`);
}

function sortKeyData(batch: RecordBatch, name: string): Data {
  const data = singleChunk(batch, name);
  if (data.nullCount > 0) throw new SchemaMismatchError(`sort column ${name} holds nulls`);
  return data;
}
