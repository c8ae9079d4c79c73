/**
 * A minimal protobuf wire-format reader for the ingest hot path.
 *
 * Why not protobufjs' generated decoders: they allocate one object per message and lose
 * 64-bit precision without a Long library. This reader lets the OTLP decoders go straight
 * from bytes to Arrow columns and JSON text, and returns 64-bit values as two 32-bit words
 * (`lo`, `hi`) so nanosecond timestamps are copied exactly.
 *
 * Every read is bounds-checked; malformed input throws OtlpDecodeError.
 */
import { OtlpDecodeError } from "./errors.ts";

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export class WireReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  /** The same bytes as a Buffer: its native UTF-8 slicing yields flat strings fast. */
  private readonly text: Buffer;
  pos = 0;
  /** Low / high 32-bit words (unsigned) of the last 64-bit value read. */
  lo = 0;
  hi = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(what: string): never {
    throw new OtlpDecodeError(`malformed protobuf at byte ${this.pos}: ${what}`);
  }

  /** A varint that fits in 32 bits (tags, lengths, enums, uint32). Higher bits are dropped. */
  uint32(): number {
    const buf = this.buf;
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= buf.length) this.fail("truncated varint");
      const b = buf[this.pos++];
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
      shift += 7;
    }
    return this.fail("varint longer than 10 bytes");
  }

  /** A 64-bit varint into `lo` / `hi`. */
  varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (this.pos >= buf.length) this.fail("truncated varint");
      const b = buf[this.pos++];
      lo = (lo | ((b & 0x7f) << (i * 7))) >>> 0;
      if (b < 0x80) {
        this.lo = lo;
        this.hi = 0;
        return;
      }
    }
    // 5th byte: 4 bits to lo, 3 bits to hi.
    if (this.pos >= buf.length) this.fail("truncated varint");
    let b = buf[this.pos++];
    lo = (lo | ((b & 0x7f) << 28)) >>> 0;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (i = 0; i < 5; i++) {
        if (this.pos >= buf.length) this.fail("truncated varint");
        b = buf[this.pos++];
        hi = (hi | ((b & 0x7f) << (i * 7 + 3))) >>> 0;
        if (b < 0x80) break;
      }
      if (b >= 0x80) this.fail("varint longer than 10 bytes");
    }
    this.lo = lo;
    this.hi = hi >>> 0;
  }

  fixed32(): number {
    if (this.pos + 4 > this.buf.length) this.fail("truncated fixed32");
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A fixed64 / sfixed64 into `lo` / `hi`. */
  fixed64(): void {
    if (this.pos + 8 > this.buf.length) this.fail("truncated fixed64");
    this.lo = this.view.getUint32(this.pos, true);
    this.hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) this.fail("truncated double");
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end offset of the delimited bytes. */
  delimitedEnd(): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.buf.length) this.fail(`length ${len} runs past the end of the message`);
    return end;
  }

  /** A length-delimited UTF-8 string. */
  string(): string {
    const end = this.delimitedEnd();
    // Not a per-byte String.fromCharCode loop: that builds ropes, which every later
    // consumer (JSON quoting, Buffer#write) must flatten again at a high cost in JSC.
    const s = this.text.toString("utf8", this.pos, end);
    this.pos = end;
    return s;
  }

  /** Bytes [start, end) as a Latin-1 string, one char a byte: a cheap exact key for raw fields. */
  latin1(start: number, end: number): string {
    return this.text.toString("latin1", start, end);
  }

  /** A length-delimited byte field, as a view into the body (no copy). */
  bytes(): Uint8Array {
    const end = this.delimitedEnd();
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }

  /** Skips an unknown field (protobuf receivers must ignore them). Groups are not OTLP. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_I64:
        if (this.pos + 8 > this.buf.length) this.fail("truncated fixed64");
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.delimitedEnd();
        return;
      case WIRE_I32:
        if (this.pos + 4 > this.buf.length) this.fail("truncated fixed32");
        this.pos += 4;
        return;
      default:
        this.fail(`invalid wire type ${wireType}`);
    }
  }

  /** Called after a sub-message loop: its fields must end exactly at its length. */
  expectEnd(end: number): void {
    if (this.pos !== end) this.fail("sub-message fields overrun its length");
  }
}

/** Signed 64-bit integer from two words, as a decimal string (exact). */
export function int64ToDecimal(lo: number, hi: number): string {
  const shi = hi | 0;
  // |value| < 2^53: plain double arithmetic is exact.
  if (shi >= -0x200000 && shi < 0x200000) return String(shi * 4294967296 + lo);
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString();
}

/** Unsigned 64-bit integer from two words, as a decimal string (exact). */
export function uint64ToDecimal(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * 4294967296 + lo);
  return ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString();
}
