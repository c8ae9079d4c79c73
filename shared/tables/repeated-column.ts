/**
 * A Utf8 column whose rows repeat a few values: the resource and scope columns (one value
 * per ResourceX / ScopeX message, copied onto every row under it) and `batch_id` (one value
 * per request). Rows record the index of their value, not its bytes.
 *
 * Why: `resource_attributes` alone is hundreds of bytes per span; copied per row it was a
 * large share of the Arrow batch, and every later copy (Flight serialize, HTTP/2, WAL) paid for it again. As
 * an Arrow Dictionary (the Flight wire form) a row costs 4 bytes; as plain Utf8 (the table
 * contract) the bytes are laid out once at the end, one memcpy per row.
 *
 * Values are recognised by identity (the decoder hands the same Uint8Array for every row of
 * a resource/scope), so no bytes are compared.
 */
import { Dictionary, makeData, makeVector, Utf8, type Data, type DataType, type Int32 } from "apache-arrow";

export class RepeatedUtf8Column {
  private readonly values: Uint8Array[] = [];
  private readonly indexOf = new Map<Uint8Array, number>();
  /**
   * Allocated when a row first needs an index other than 0: a column of one value (most of
   * them, in a remote write request) never allocates, and finish() of it is often never called.
   */
  private indices: Int32Array | undefined;
  private capacity = 256;
  private last: Uint8Array | undefined;
  private lastIndex = -1;
  length = 0;

  pushBytes(bytes: Uint8Array): void {
    this.pushRun(bytes, 1);
  }

  /** `n` rows of `bytes`. */
  pushRun(bytes: Uint8Array, n: number): void {
    if (bytes !== this.last) {
      let index = this.indexOf.get(bytes);
      if (index === undefined) {
        index = this.values.length;
        this.values.push(bytes);
        this.indexOf.set(bytes, index);
      }
      this.last = bytes;
      this.lastIndex = index;
    }
    if (this.length + n > this.capacity) this.reserve(Math.max(this.capacity * 2, this.length + n));
    // Rows past `length` were never written: still index 0.
    if (this.lastIndex !== 0) {
      this.indices ??= new Int32Array(this.capacity);
      if (n === 1) this.indices[this.length] = this.lastIndex;
      else this.indices.fill(this.lastIndex, this.length, this.length + n);
    }
    this.length += n;
  }

  /** The one value every row holds, when there is exactly one. */
  onlyValue(): Uint8Array | undefined {
    return this.values.length === 1 ? this.values[0] : undefined;
  }

  /** Room for `rows` rows in all, allocated once (when first needed). */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    if (!this.indices) return;
    const next = new Int32Array(rows);
    next.set(this.indices.subarray(0, this.length));
    this.indices = next;
  }

  /** Plain Utf8 data, or Dictionary<Int32, Utf8> data when `type` is such a dictionary. */
  finish(type?: DataType): Data<Utf8> | Data<Dictionary<Utf8, Int32>> {
    const indices = this.indices ? this.indices.subarray(0, this.length) : new Int32Array(this.length);
    if (type instanceof Dictionary) {
      const dictionary = makeVector(utf8Data(this.values));
      return makeData({ type, length: this.length, nullCount: 0, data: indices, dictionary });
    }
    return expandUtf8(this.values, indices, this.length);
  }
}

/** Utf8 data holding `values` in order. */
export function utf8Data(values: readonly Uint8Array[]): Data<Utf8> {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) offsets[i + 1] = total += values[i]!.length;
  const data = new Uint8Array(total);
  for (let i = 0; i < values.length; i++) data.set(values[i]!, offsets[i]!);
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data });
}

/** Utf8 data whose row i is `values[indices[i]]`. */
export function expandUtf8(values: readonly Uint8Array[], indices: ArrayLike<number>, length: number): Data<Utf8> {
  const offsets = new Int32Array(length + 1);
  let total = 0;
  for (let i = 0; i < length; i++) offsets[i + 1] = total += values[indices[i]!]!.length;
  const data = new Uint8Array(total);
  for (let i = 0; i < length; i++) {
    const value = values[indices[i]!]!;
    if (value.length > 0) data.set(value, offsets[i]!);
  }
  return makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: offsets, data });
}
