/**
 * Getting at one column of an Arrow batch the way the DuckDB loaders need it: its single
 * Data chunk, checked against what the table expects, and views over its buffers.
 */
import type { Data, RecordBatch } from "apache-arrow";
import { NullInNotNullColumnError } from "./column-copy.ts";
import { SchemaMismatchError } from "./errors.ts";
import { kindOf, type SupportedKind } from "./types.ts";

export { int64Words } from "../tables/index.ts";

export interface ColumnPlan {
  name: string;
  kind: SupportedKind;
  nullable: boolean;
}

/** The one Data chunk of column `name` (a record batch read from IPC has exactly one). */
export function singleChunk(batch: RecordBatch, name: string): Data {
  const vector = batch.getChild(name);
  if (!vector) throw new SchemaMismatchError(`record batch has no column ${name}`);
  if (vector.data.length !== 1) throw new SchemaMismatchError(`column ${name} has ${vector.data.length} chunks in one record batch`);
  return vector.data[0]!;
}

/** The column `col` of `batch`, of the kind the table declares, without nulls where it forbids them. */
export function plainColumnData(batch: RecordBatch, col: ColumnPlan): Data {
  const data = singleChunk(batch, col.name);
  const have = kindOf(batch.schema.fields.find((f) => f.name === col.name)!);
  if (have !== col.kind) throw new SchemaMismatchError(`column ${col.name}: batch type ${have}, table ${col.kind}`);
  if (!col.nullable && data.nullCount > 0) throw new NullInNotNullColumnError(col.name);
  return data;
}


/**
 * Utf8 columns, or Dictionary<Int32, Utf8> ones (the Flight wire form of repeated columns),
 * per batch: `strings` is the column or its dictionary's entries (with their offsets and
 * bytes), and `indices` a dictionary row's entry (undefined: a plain column). The caller
 * checked the dictionaries (isDirectDictionary).
 */
export interface Utf8Parts {
  indices: (Int32Array | undefined)[];
  strings: Data[];
  offsets: Int32Array[];
  values: Uint8Array[];
}

export function utf8Parts(datas: readonly Data[]): Utf8Parts {
  const strings = datas.map((d) => (d.dictionary ? d.dictionary.data[0]! : d));
  return {
    indices: datas.map((d) => (d.dictionary ? (d.values as Int32Array) : undefined)),
    strings,
    offsets: strings.map((d) => d.valueOffsets as Int32Array),
    values: strings.map((d) => d.values as Uint8Array),
  };
}
