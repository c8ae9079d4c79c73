/**
 * The remote write decoder's per-sample machinery: a request's samples held in reused typed
 * arrays, and sample times (int64 milliseconds as two 32-bit words) checked against the
 * acceptor's time window and scaled to nanoseconds without a BigInt per sample.
 */
import { int64ToDecimal } from "../otlp/wire-reader.ts";
import type { TimeWindow } from "../otlp/limits.ts";

/** A request's samples, series by series, in growable typed arrays reused across series. */
export class SampleScratch {
  values = new Float64Array(256);
  stale = new Uint8Array(256);
  timeLo = new Uint32Array(256);
  timeHi = new Uint32Array(256);
  length = 0;

  /** `kind`: 1 for a stale marker, 0 for a value (callers may give other kinds their own codes). */
  push(value: number, kind: number, lo: number, hi: number): void {
    if (this.length === this.values.length) this.grow();
    this.values[this.length] = value;
    this.stale[this.length] = kind;
    this.timeLo[this.length] = lo;
    this.timeHi[this.length] = hi;
    this.length++;
  }

  private grow(): void {
    const n = this.values.length * 2;
    const values = new Float64Array(n);
    values.set(this.values);
    const stale = new Uint8Array(n);
    stale.set(this.stale);
    const timeLo = new Uint32Array(n);
    timeLo.set(this.timeLo);
    const timeHi = new Uint32Array(n);
    timeHi.set(this.timeHi);
    Object.assign(this, { values, stale, timeLo, timeHi });
  }
}

/** A millisecond int64 (two words) as nanoseconds, exactly. */
export function msWordsToNs(lo: number, hi: number): bigint {
  return BigInt(int64ToDecimal(lo, hi)) * 1_000_000n;
}

/**
 * The acceptor's time window in milliseconds, so a sample's time is checked and scaled to
 * nanoseconds without a BigInt per sample.
 */
export class MsWindow {
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly out = { lo: 0, hi: 0 };

  constructor(window: TimeWindow) {
    // ms * 1e6 >= minNs  <=>  ms >= ceil(minNs / 1e6); ms * 1e6 <= maxNs  <=>  ms <= floor(maxNs / 1e6).
    const ceil = (ns: bigint) => (ns <= 0n ? -(-ns / 1_000_000n) : (ns + 999_999n) / 1_000_000n);
    this.minMs = Math.max(0, Number(ceil(window.minNs)));
    this.maxMs = Math.min(2 ** 53 - 1, Number(window.maxNs / 1_000_000n));
  }

  /**
   * The nanosecond words of the millisecond time (lo, hi) when it lies in the window, else
   * null (the caller names the problem). The returned object is reused.
   */
  nsWords(lo: number, hi: number): { lo: number; hi: number } | null {
    const shi = hi | 0;
    if (shi < 0 || shi >= 0x200000) return null;
    const ms = shi * 4294967296 + lo;
    if (ms < this.minMs || ms > this.maxMs) return null;
    // ns = ms * 1e6 = (a * 1e6) * 2^21 + b * 1e6, with every product below 2^53.
    const a = Math.floor(ms / 2097152);
    const x = a * 1_000_000;
    const y = (ms - a * 2097152) * 1_000_000;
    const xh = Math.floor(x / 2048);
    const low = (x - xh * 2048) * 2097152 + y;
    const carry = Math.floor(low / 4294967296);
    this.out.lo = low - carry * 4294967296;
    this.out.hi = xh + carry;
    return this.out;
  }
}
