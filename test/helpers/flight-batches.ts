/**
 * Deterministic Arrow batches for Flight tests and the bench: any schema made of Utf8, Int32,
 * Int64, Float64 and Bool columns, with nulls in nullable columns, Int64 built from
 * BigInt64Array (ns timestamps beyond 2^53 must survive exactly).
 */
import {
  Bool, Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Type, Utf8, makeData, vectorFromArray,
  type Data, type Table,
} from "apache-arrow";

/** Every column type Signalbox tables use, each nullable. */
export const allTypesSchema = new Schema([
  new Field("s", new Utf8(), true),
  new Field("i32", new Int32(), true),
  new Field("i64", new Int64(), true),
  new Field("f64", new Float64(), true),
  new Field("b", new Bool(), true),
]);

export const BASE_NS = 1_700_000_000_123_456_789n;

const isNull = (field: Field, row: number, seed: number) => field.nullable && (row + seed) % 7 === 3;

function validity(field: Field, length: number, seed: number): { nullBitmap?: Uint8Array; nullCount: number } {
  if (!field.nullable) return { nullCount: 0 };
  const bitmap = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (isNull(field, i, seed)) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { nullBitmap: bitmap, nullCount };
}

function column(field: Field, length: number, seed: number, textBytes: number): Data {
  const valid = validity(field, length, seed);
  switch (field.type.typeId) {
    case Type.Utf8: {
      const filler = "x".repeat(Math.max(0, textBytes - 24));
      // Built directly (offsets + UTF-8 bytes): the Utf8 builder is slow for MiB-sized columns.
      const encoder = new TextEncoder();
      const parts: Uint8Array[] = [];
      const valueOffsets = new Int32Array(length + 1);
      let bytes = 0;
      for (let i = 0; i < length; i++) {
        if (!isNull(field, i, seed)) {
          const part = encoder.encode(`${field.name}-${seed}-${i}-é✓${i % 3 === 0 ? filler : ""}`);
          parts.push(part);
          bytes += part.byteLength;
        }
        valueOffsets[i + 1] = bytes;
      }
      const data = new Uint8Array(bytes);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.byteLength;
      }
      return makeData({ type: new Utf8(), length, valueOffsets, data, ...valid });
    }
    case Type.Int: {
      if ((field.type as Int32 | Int64).bitWidth === 64) {
        const data = new BigInt64Array(length);
        for (let i = 0; i < length; i++) data[i] = BASE_NS + BigInt(seed) * 1_000_000_000n + BigInt(i);
        return makeData({ type: new Int64(), length, data, ...valid });
      }
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++) data[i] = (i * 31 + seed) % 100_000 - 50_000;
      return makeData({ type: new Int32(), length, data, ...valid });
    }
    case Type.Float: {
      const data = new Float64Array(length);
      for (let i = 0; i < length; i++) data[i] = (i + seed) / 3 - 1e6;
      return makeData({ type: new Float64(), length, data, ...valid });
    }
    case Type.Bool: {
      const values = Array.from({ length }, (_, i) => (isNull(field, i, seed) ? null : (i + seed) % 2 === 0));
      return vectorFromArray(values, new Bool()).data[0];
    }
    default:
      throw new Error(`flight-batches: unsupported column type ${String(field.type)}`);
  }
}

/** `rows` rows of `schema`; `seed` varies the values; Utf8 rows every third row are padded to ~`textBytes`. */
export function makeBatch(schema: Schema, rows: number, seed = 0, textBytes = 0): RecordBatch {
  const children = schema.fields.map((f) => column(f, rows, seed, textBytes));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}

/** Row-by-row values of every column, for exact comparisons (BigInt stays BigInt). */
export function rowsOf(source: RecordBatch | Table): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const columns = source.schema.fields.map((f) => [f.name, source.getChild(f.name)!] as const);
  for (let i = 0; i < source.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const [name, vector] of columns) row[name] = vector.get(i);
    out.push(row);
  }
  return out;
}
