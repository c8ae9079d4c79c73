/** A seeded PRNG (mulberry32) with the few draws the hostile generators need: same seed, same run. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Boundary values for 64-bit fields: zero, the int32 / uint32 / int64 / uint64 edges, 2^53. */
export const BOUNDARY_U64: readonly bigint[] = [
  0n, 1n, (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, (1n << 53n) + 1n,
  (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, 1_700_000_000_000_000_000n,
];

/** Boundary values as OTLP/JSON integers would (mis)spell them. */
export const BOUNDARY_JSON_INTS: readonly unknown[] = [
  "0", "-1", "-5", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551617",
  "-9223372036854775809", 1e400, -0, 1.5, 2 ** 53 + 1, 2 ** 64, "1e3", " 7", "0x10", "", "NaN", null, true, [], {},
];

/** Strings that are trouble somewhere: NUL, invalid-looking escapes, separators, huge code points. */
export const HOSTILE_TEXTS: readonly string[] = [
  "\u0000", "a\u0000b", "\uffff", "\ud800", "\u2028\u2029", "\u001b[31m", "'\"`\\", "%00", "${jndi}", "\u202e", "😀", "",
];
