/**
 * Time parameters in the formats each API accepts, converted to the tickets' unit:
 * nanoseconds since the epoch as a decimal string (bigint math: ns exceed 2^53).
 */
const NS_PER_S = 1_000_000_000n;

/** Tempo: `start`/`end` are unix epoch seconds (whole numbers). */
export function unixSecondsToNs(text: string): string | undefined {
  return /^\d{1,12}$/.test(text) ? (BigInt(text) * NS_PER_S).toString() : undefined;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Loki's accepted forms (loghttp.parseTimestamp): an integer of at most 10 digits is unix
 * seconds, a longer one nanoseconds; a decimal is (fractional) unix seconds; otherwise
 * RFC3339 / RFC3339Nano. Loki rounds fractional seconds to milliseconds; we keep them exact.
 */
export function lokiTimeToNs(text: string): bigint | undefined {
  const value = text.trim();
  if (/^\d+$/.test(value)) return value.length <= 10 ? BigInt(value) * NS_PER_S : BigInt(value);
  const decimal = /^(\d+)\.(\d*)$/.exec(value);
  if (decimal) {
    const frac = (decimal[2]! + "000000000").slice(0, 9);
    return BigInt(decimal[1]!) * NS_PER_S + BigInt(frac);
  }
  const rfc = RFC3339.exec(value);
  if (rfc) {
    const ms = Date.parse(`${rfc[1]!.replace(/[t ]/, "T")}${rfc[3]!.toUpperCase()}`);
    if (Number.isNaN(ms)) return undefined;
    const frac = BigInt(((rfc[2] ?? "") + "000000000").slice(0, 9));
    return BigInt(ms) * 1_000_000n + frac;
  }
  return undefined;
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
