/**
 * Arrow column builders from plain JS arrays (one DuckDB result column at a time). Int64
 * columns are built from BigInt64Array with makeData: the Arrow builder loses ns precision.
 */
import { Bool, Float64, Int32, Int64, makeData, RecordBatch, Struct, Table, Utf8, type Data, type Schema } from "apache-arrow";

export type ArrowKind = "utf8" | "int64" | "int32" | "float64" | "bool";

/** Validity bitmap (bit set = valid) and null count; undefined bitmap when nothing is null. */
function validity(values: readonly unknown[]): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v === null || v === undefined) nullCount++;
  if (nullCount === 0) return { nullBitmap: undefined, nullCount };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== null && values[i] !== undefined) bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap: bitmap, nullCount };
}

const encoder = new TextEncoder();

export function utf8Data(values: readonly (string | null)[]): Data<Utf8> {
  const offsets = new Int32Array(values.length + 1);
  let buffer = new Uint8Array(Math.max(64, values.length * 16));
  let used = 0;
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (s) {
      // A UTF-8 encoding takes at most 3 bytes per UTF-16 unit.
      const worst = s.length * 3;
      if (used + worst > buffer.length) {
        const grown = new Uint8Array(Math.max(buffer.length * 2, used + worst));
        grown.set(buffer.subarray(0, used));
        buffer = grown;
      }
      used += encoder.encodeInto(s, buffer.subarray(used)).written;
    }
    offsets[i + 1] = used;
  }
  const { nullBitmap, nullCount } = validity(values);
  return makeData({ type: new Utf8(), length: values.length, nullCount, nullBitmap, valueOffsets: offsets, data: buffer.subarray(0, used) });
}

export function int64Data(values: readonly (bigint | number | null)[]): Data<Int64> {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) out[i] = typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  }
  const { nullBitmap, nullCount } = validity(values);
  return makeData({ type: new Int64(), length: values.length, nullCount, nullBitmap, data: out });
}

export function int32Data(values: readonly (number | null)[]): Data<Int32> {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] ?? 0;
  const { nullBitmap, nullCount } = validity(values);
  return makeData({ type: new Int32(), length: values.length, nullCount, nullBitmap, data: out });
}

export function float64Data(values: readonly (number | null)[]): Data<Float64> {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] ?? 0;
  const { nullBitmap, nullCount } = validity(values);
  return makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap, data: out });
}

export function boolData(values: readonly (boolean | null)[]): Data<Bool> {
  const bits = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i]) bits[i >> 3]! |= 1 << (i & 7);
  const { nullBitmap, nullCount } = validity(values);
  return makeData({ type: new Bool(), length: values.length, nullCount, nullBitmap, data: bits });
}

/** One record batch of `schema` from its columns' data, in field order. */
export function tableOf(schema: Schema, children: readonly Data[]): Table {
  const length = children[0]?.length ?? 0;
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: [...children] });
  return new Table([new RecordBatch(schema, struct)]);
}
