/**
 * Go `time.ParseDuration` syntax (Tempo's minDuration/maxDuration): a sequence of decimal
 * numbers with unit suffixes, e.g. "100ms", "1.5s", "1h30m", "250us". Parsed exactly in
 * nanoseconds as a bigint (floats would round "1.000000001s"). Negative durations are
 * refused: no search asks for one.
 */
const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n, // U+00B5 micro sign
  "μs": 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const TERM = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;

/** Nanoseconds, or an error message saying what is wrong. */
export function parseGoDuration(text: string): bigint | string {
  const input = text.trim();
  if (input === "0") return 0n;
  if (input === "") return "empty duration";
  let total = 0n;
  let pos = 0;
  while (pos < input.length) {
    TERM.lastIndex = pos;
    const m = TERM.exec(input);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) {
      return `invalid duration "${text}": expected a Go duration such as "100ms", "1.5s" or "1h30m"`;
    }
    const unit = UNIT_NS[m[3]!]!;
    const whole = m[1] === "" ? 0n : BigInt(m[1]!);
    const frac = m[2] ?? "";
    // fraction × unit, truncated like Go does
    const fracNs = frac === "" ? 0n : (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += whole * unit + fracNs;
    pos = TERM.lastIndex;
  }
  return total;
}
