/** TraceQL / Tempo duration literals (`100ms`, `1.5s`, `2m`, `500us`, `10ns`, `1h`) → nanoseconds. */
const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

export const DURATION_UNITS = Object.keys(UNIT_NS);

/**
 * `digits[.digits]` times a unit, exact for integers and rounded to the nearest ns for
 * fractions; null when the text is not a duration.
 */
export function parseDurationNs(text: string): bigint | null {
  const m = /^(\d+)(?:\.(\d+))?(ns|us|µs|ms|s|m|h)$/.exec(text);
  if (!m) return null;
  const unit = UNIT_NS[m[3]!]!;
  const whole = BigInt(m[1]!) * unit;
  if (!m[2]) return whole;
  const frac = m[2];
  const scale = 10n ** BigInt(frac.length);
  // Round half up so "1.5ns" → 2ns rather than silently truncating.
  return whole + (BigInt(frac) * unit * 2n + scale) / (2n * scale);
}
