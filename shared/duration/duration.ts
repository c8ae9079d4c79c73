/**
 * Duration text → nanoseconds, for every dialect Signalbox reads: configuration values,
 * Go's `time.ParseDuration` (Tempo's minDuration/maxDuration), Prometheus durations (Loki's
 * `since`) and TraceQL literals. One parser; each dialect is a `DurationSyntax` value saying
 * which units it has, whether terms combine ("1h30m") and how a fraction is taken. Exact in
 * bigint nanoseconds: floats would round "1.000000001s". Negative durations are refused.
 */

const NS = 1n;
const US = 1_000n;
const MS = 1_000_000n;
const S = 1_000_000_000n;
const M = 60n * S;
const H = 60n * M;
const D = 24n * H;

export interface DurationSyntax {
  /** Unit suffix → nanoseconds. */
  units: Readonly<Record<string, bigint>>;
  /** Several terms in a row ("1h30m"); otherwise exactly one. */
  compound: boolean;
  /** Each term's unit smaller than the one before (Prometheus: "1d12h", never "12h1d"). */
  decreasing?: boolean;
  /** A fraction ("1.5s"): refused, truncated to the nanosecond (Go) or rounded half up. */
  fraction: "refused" | "truncated" | "rounded";
  /** Digits may be missing on one side of the dot (".5s", "1.s"), as Go allows. */
  looseDot?: boolean;
  /** A bare "0" means zero (Go). */
  bareZero?: boolean;
}

/** Configuration values: "250ms", "30s", "5m", "1.5h", "14d" (retention periods are days). */
export const CONFIG_DURATION: DurationSyntax = { units: { ms: MS, s: S, m: M, h: H, d: D }, compound: false, fraction: "rounded" };

/** Go's time.ParseDuration, without a sign. */
export const GO_DURATION: DurationSyntax = {
  units: { ns: NS, us: US, "µs": US /* U+00B5 micro sign */, "μs": US /* U+03BC Greek mu */, ms: MS, s: S, m: M, h: H },
  compound: true,
  fraction: "truncated",
  looseDot: true,
  bareZero: true,
};

/** Prometheus's model.ParseDuration: whole numbers, units from years down to milliseconds. */
export const PROMETHEUS_DURATION: DurationSyntax = {
  units: { y: 365n * D, w: 7n * D, d: D, h: H, m: M, s: S, ms: MS },
  compound: true,
  decreasing: true,
  fraction: "refused",
};

/** TraceQL duration literals: one term ("100ms", "1.5s"); a fraction of a nanosecond rounds. */
export const TRACEQL_DURATION: DurationSyntax = {
  units: { ns: NS, us: US, "µs": US, ms: MS, s: S, m: M, h: H },
  compound: false,
  fraction: "rounded",
};

const termPatterns = new WeakMap<DurationSyntax, RegExp>();

function termPattern(syntax: DurationSyntax): RegExp {
  let pattern = termPatterns.get(syntax);
  if (!pattern) {
    // Longest suffix first, so "ms" is not read as "m" followed by garbage.
    const units = Object.keys(syntax.units).sort((a, b) => b.length - a.length);
    pattern = new RegExp(`(\\d*)(?:\\.(\\d*))?(${units.join("|")})`, "y");
    termPatterns.set(syntax, pattern);
  }
  return pattern;
}

function fractionNs(digits: string, unit: bigint, how: DurationSyntax["fraction"]): bigint {
  const scale = 10n ** BigInt(digits.length);
  return how === "truncated" ? (BigInt(digits) * unit) / scale : (BigInt(digits) * unit * 2n + scale) / (2n * scale);
}

/** Nanoseconds, or undefined when `text` is not a duration of `syntax`. */
export function durationNs(text: string, syntax: DurationSyntax): bigint | undefined {
  const input = text.trim();
  if (input === "") return undefined;
  if (syntax.bareZero && input === "0") return 0n;
  const term = termPattern(syntax);
  let total = 0n;
  let pos = 0;
  let previousUnit: bigint | undefined;
  while (pos < input.length) {
    if (pos > 0 && !syntax.compound) return undefined;
    term.lastIndex = pos;
    const m = term.exec(input);
    if (!m) return undefined;
    const [, whole = "", dot, unitText] = m;
    const hasDot = dot !== undefined;
    if (hasDot && syntax.fraction === "refused") return undefined;
    if (syntax.looseDot ? whole === "" && (dot ?? "") === "" : whole === "" || dot === "") return undefined;
    const unit = syntax.units[unitText!]!;
    if (syntax.decreasing && previousUnit !== undefined && unit >= previousUnit) return undefined;
    previousUnit = unit;
    total += (whole === "" ? 0n : BigInt(whole)) * unit + (hasDot && dot !== "" ? fractionNs(dot!, unit, syntax.fraction) : 0n);
    pos = term.lastIndex;
  }
  return total;
}
