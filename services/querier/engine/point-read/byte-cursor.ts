/**
 * A position in a byte run and the variable-length integers Parquet's formats share: the
 * Thrift compact protocol of page headers and the block headers of the delta encodings both
 * write ULEB128 varints and zigzag integers.
 */
export class ByteCursor {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    /** Names the run in errors ("page header", "delta run"). */
    private readonly what: string,
  ) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError(`${this.what} runs past its bytes`);
    return this.bytes[this.at++]!;
  }

  /** An unsigned varint, exact up to 2^53. */
  varint(): number {
    let shift = 0;
    let value = 0;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
      if (shift > 63) throw new RangeError(`varint too long in ${this.what}`);
    }
  }

  /** A zigzag varint as a number: i16 / i32 (an i64 beyond 2^53 loses precision). */
  int(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  /** A zigzag varint of up to 64 bits, exact. */
  int64(): bigint {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) throw new RangeError(`varint too long in ${this.what}`);
    }
    return (value >> 1n) ^ -(value & 1n);
  }
}
