/**
 * Growable UTF-8 byte output, and the Utf8 Arrow column built on it.
 *
 * Why bytes and not JS strings: OTLP strings arrive as UTF-8 and leave as UTF-8 (Arrow
 * Utf8). Copying them (JSON-escaped where needed) straight from the request into the column
 * avoids creating, concatenating and re-encoding millions of short JS strings, which is
 * where a string-based decoder spends most of its time in JSC.
 */
import { makeData, Utf8, type Data } from "apache-arrow";

const HEX = new TextEncoder().encode("0123456789abcdef");

export class ByteSink {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos)); // TypedArray#set: a plain memmove (Buffer#copy is slower in Bun)
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Bytes as they are (constant fragments, pre-encoded text). */
  raw(src: Uint8Array): void {
    const n = src.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    if (n < 32) for (let i = 0; i < n; i++) buf[p++] = src[i];
    else {
      buf.set(src, p);
      p += n;
    }
    this.pos = p;
  }

  /** An ASCII-only JS string (numbers, constant keys). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any JS string, UTF-8 encoded. */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos);
  }

  /**
   * UTF-8 bytes src[start, end) as a quoted JSON string. ASCII is copied with escaping;
   * anything else goes through a decode (which also replaces invalid UTF-8) and JSON.stringify.
   */
  jsonString(src: Uint8Array, start: number, end: number): void {
    this.ensure((end - start) * 6 + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    for (let i = start; i < end; i++) {
      const c = src[i];
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c < 0x80) buf[p++] = c;
      else if (c >= 0x80) {
        this.text(JSON.stringify(Buffer.from(src.buffer, src.byteOffset + start, end - start).toString("utf8")));
        return;
      } else {
        buf[p++] = 0x5c;
        if (c === 0x22 || c === 0x5c) buf[p++] = c;
        else {
          // \u00XX for control characters
          buf[p++] = 0x75;
          buf[p++] = 0x30;
          buf[p++] = 0x30;
          buf[p++] = HEX[c >> 4];
          buf[p++] = HEX[c & 15];
        }
      }
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** UTF-8 bytes as they are, when valid ASCII; else decoded (invalid UTF-8 replaced) and re-encoded. */
  plainString(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) {
      const c = src[i];
      if (c >= 0x80) {
        this.text(Buffer.from(src.buffer, src.byteOffset + start, n).toString("utf8"));
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Bytes src[start, end) as lower-case hex digits. */
  hex(src: Uint8Array, start: number, end: number): void {
    this.ensure((end - start) * 2);
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) {
      const b = src[i];
      buf[p++] = HEX[b >> 4];
      buf[p++] = HEX[b & 15];
    }
    this.pos = p;
  }

  /** Everything written so far, as a string; then empties the sink. */
  take(): string {
    const s = this.buf.toString("utf8", 0, this.pos);
    this.pos = 0;
    return s;
  }
}

/** A Utf8 column: a ByteSink plus row offsets. Write a row's bytes, then `endRow()`. */
export class Utf8Column extends ByteSink {
  private offsets = new Int32Array(256);
  length = 0;

  endRow(): void {
    if (this.length + 2 > this.offsets.length) {
      const next = new Int32Array(this.offsets.length * 2);
      next.set(this.offsets);
      this.offsets = next;
    }
    this.offsets[++this.length] = this.pos;
  }

  /** A whole row from pre-encoded bytes. */
  pushBytes(bytes: Uint8Array): void {
    this.raw(bytes);
    this.endRow();
  }

  /** A whole row from a JS string. */
  push(s: string): void {
    this.text(s);
    this.endRow();
  }

  finish(): Data<Utf8> {
    const n = this.length;
    const data = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
    return makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: this.offsets.subarray(0, n + 1), data });
  }
}
