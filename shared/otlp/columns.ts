/**
 * Growable column builders that produce Arrow `Data` directly from typed arrays
 * (Utf8 columns: see byte-sink.ts).
 *
 * Why not the Arrow builders: they are slow for this volume and the Int64 builder takes
 * numbers (milliseconds-precision doubles), losing nanoseconds. Int64 values are stored as
 * two little-endian 32-bit words and viewed as a BigInt64Array at the end: exact, and no
 * BigInt is allocated per value.
 */
import { Bool, Float64, Int32, Int64, makeData, RecordBatch, Struct, type Data, type Schema } from "apache-arrow";
import { Utf8Column } from "./byte-sink.ts";
import { RepeatedUtf8Column } from "../tables/index.ts";

export { RepeatedUtf8Column, Utf8Column };

const INITIAL = 256;

// Builders only append: rows past `length` have never been written and are still the zeros
// a typed array starts with (grow copies the whole old array, whose unwritten rows are zeros
// too). Runs of zeros and nulls therefore just advance `length`, leaving fresh memory
// untouched for whoever reads it.

function grow<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

/** Validity bitmap, allocated only when the first null arrives. */
class Validity {
  bits: Uint8Array | null = null;
  nulls = 0;
  /** Rows expected (reserve): a bitmap allocated later is allocated for all of them. */
  private capacity = 0;

  reserve(rows: number): void {
    this.capacity = Math.max(this.capacity, rows);
    if (this.bits) this.bits = grow(this.bits, (rows + 7) >> 3);
  }

  set(index: number, valid: boolean): void {
    if (valid) {
      if (this.bits) {
        this.bits = grow(this.bits, (index >> 3) + 1);
        this.bits[index >> 3] |= 1 << (index & 7);
      }
      return;
    }
    this.allocate(index);
    this.bits = grow(this.bits!, (index >> 3) + 1);
    this.nulls++;
  }

  /** Rows [index, index + n) valid: their bits set, when there is a bitmap. */
  setValidRun(index: number, n: number): void {
    if (!this.bits || n <= 0) return;
    this.bits = grow(this.bits, ((index + n - 1) >> 3) + 1);
    for (let i = index; i < index + n; i++) this.bits[i >> 3] |= 1 << (i & 7);
  }

  /** Rows [index, index + n) null: their bits stay clear. */
  setNulls(index: number, n: number): void {
    if (n <= 0) return;
    this.allocate(index);
    this.bits = grow(this.bits!, ((index + n - 1) >> 3) + 1);
    this.nulls += n;
  }

  /** The bitmap, every row before `index` valid, when the first null arrives. */
  private allocate(index: number): void {
    if (this.bits) return;
    this.bits = new Uint8Array(Math.max(INITIAL, (index >> 3) + 1, (this.capacity + 7) >> 3));
    this.bits.fill(0xff, 0, index >> 3);
    for (let i = index & ~7; i < index; i++) this.bits[i >> 3] |= 1 << (i & 7);
  }
}

export class Int32Builder {
  private data = new Int32Array(INITIAL);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) this.data = grow(this.data, this.length + 1);
    this.data[this.length++] = value;
  }

  /** Room for `rows` rows in all, allocated once. */
  reserve(rows: number): void {
    this.data = grow(this.data, rows);
  }

  /** `n` rows of `value`. */
  pushRun(value: number, n: number): void {
    this.data = grow(this.data, this.length + n);
    if (value !== 0) this.data.fill(value, this.length, this.length + n);
    this.length += n;
  }

  finish(): Data<Int32> {
    return makeData({ type: new Int32(), length: this.length, nullCount: 0, data: this.data.subarray(0, this.length) });
  }
}

export class Int64Builder {
  private words = new Uint32Array(INITIAL * 2);
  private readonly validity = new Validity();
  length = 0;

  /** `lo` / `hi`: the unsigned 32-bit words of the two's-complement value. */
  pushWords(lo: number, hi: number): void {
    if (this.length * 2 + 2 > this.words.length) this.words = grow(this.words, this.length * 2 + 2);
    this.words[this.length * 2] = lo;
    this.words[this.length * 2 + 1] = hi;
    this.validity.set(this.length, true);
    this.length++;
  }

  pushBigInt(value: bigint): void {
    const v = BigInt.asUintN(64, value);
    this.pushWords(Number(v & 0xffffffffn), Number(v >> 32n));
  }

  /** Exact for integers within ±2^53. */
  pushNumber(value: number): void {
    const lo = value % 4294967296;
    this.pushWords(lo >>> 0, Math.floor(value / 4294967296) >>> 0);
  }

  pushNull(): void {
    this.validity.set(this.length, false);
    if (this.length * 2 + 2 > this.words.length) this.words = grow(this.words, this.length * 2 + 2);
    this.words[this.length * 2] = 0;
    this.words[this.length * 2 + 1] = 0;
    this.length++;
  }

  reserve(rows: number): void {
    this.words = grow(this.words, rows * 2);
    this.validity.reserve(rows);
  }

  /** Rows [0, n) of `lo` / `hi` (the words of each value), all valid. */
  pushWordArrays(lo: ArrayLike<number>, hi: ArrayLike<number>, n: number): void {
    this.words = grow(this.words, (this.length + n) * 2);
    const words = this.words;
    for (let i = 0, w = this.length * 2; i < n; i++, w += 2) {
      words[w] = lo[i]!;
      words[w + 1] = hi[i]!;
    }
    this.validity.setValidRun(this.length, n);
    this.length += n;
  }

  /** `n` rows of the value (lo, hi). */
  pushWordsRun(lo: number, hi: number, n: number): void {
    if (lo !== 0 || hi !== 0) {
      for (let i = 0; i < n; i++) this.pushWords(lo, hi);
      return;
    }
    this.words = grow(this.words, (this.length + n) * 2);
    this.validity.setValidRun(this.length, n);
    this.length += n;
  }

  /** `n` null rows. */
  pushNulls(n: number): void {
    this.validity.setNulls(this.length, n);
    this.words = grow(this.words, (this.length + n) * 2);
    this.length += n;
  }

  finish(): Data<Int64> {
    const data = new BigInt64Array(this.words.buffer, 0, this.length);
    const { bits, nulls } = this.validity;
    return makeData({ type: new Int64(), length: this.length, nullCount: nulls, nullBitmap: bits?.subarray(0, (this.length + 7) >> 3), data });
  }
}

export class Float64Builder {
  private data = new Float64Array(INITIAL);
  private readonly validity = new Validity();
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) this.data = grow(this.data, this.length + 1);
    this.validity.set(this.length, true);
    this.data[this.length++] = value;
  }

  pushNull(): void {
    if (this.length === this.data.length) this.data = grow(this.data, this.length + 1);
    this.validity.set(this.length, false);
    this.data[this.length++] = 0;
  }

  pushMaybe(value: number | undefined): void {
    if (value === undefined) this.pushNull();
    else this.push(value);
  }

  reserve(rows: number): void {
    this.data = grow(this.data, rows);
    this.validity.reserve(rows);
  }

  /** `n` null rows. */
  pushNulls(n: number): void {
    this.validity.setNulls(this.length, n);
    this.data = grow(this.data, this.length + n);
    this.length += n;
  }

  /** Values [0, n) of `values`, all valid. */
  pushArray(values: Float64Array, n: number): void {
    this.data = grow(this.data, this.length + n);
    this.data.set(values.subarray(0, n), this.length);
    this.validity.setValidRun(this.length, n);
    this.length += n;
  }

  finish(): Data<Float64> {
    const { bits, nulls } = this.validity;
    return makeData({ type: new Float64(), length: this.length, nullCount: nulls, nullBitmap: bits?.subarray(0, (this.length + 7) >> 3), data: this.data.subarray(0, this.length) });
  }
}

export class BoolBuilder {
  private bits = new Uint8Array(INITIAL);
  length = 0;

  push(value: boolean): void {
    this.bits = grow(this.bits, (this.length >> 3) + 1);
    if (value) this.bits[this.length >> 3] |= 1 << (this.length & 7);
    this.length++;
  }

  reserve(rows: number): void {
    this.bits = grow(this.bits, (rows + 7) >> 3);
  }

  /** `n` rows of false. */
  pushFalse(n: number): void {
    this.bits = grow(this.bits, ((this.length + n + 7) >> 3) + 1);
    for (let i = this.length; i < this.length + n; i++) this.bits[i >> 3] &= ~(1 << (i & 7));
    this.length += n;
  }

  finish(): Data<Bool> {
    return makeData({ type: new Bool(), length: this.length, nullCount: 0, data: this.bits.subarray(0, (this.length + 7) >> 3) });
  }
}

export type ColumnBuilder =
  | Utf8Column | RepeatedUtf8Column | Int32Builder | Int64Builder | Float64Builder | BoolBuilder
  | { readonly length: number; finish(): Data };

/**
 * Assembles builders (keyed by column name) into a RecordBatch of exactly `schema`; a
 * RepeatedUtf8Column becomes a dictionary where `schema` says so (the wire form).
 */
export function buildRecordBatch(schema: Schema, columns: Record<string, ColumnBuilder>): RecordBatch {
  const length = columns[schema.fields[0].name].length;
  const children = schema.fields.map((f) => {
    const builder = columns[f.name];
    if (!builder) throw new Error(`column ${f.name} has no builder`);
    if (builder.length !== length) throw new Error(`column ${f.name} has ${builder.length} rows, expected ${length}`);
    return builder instanceof RepeatedUtf8Column ? builder.finish(f.type) : builder.finish();
  });
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}
