/**
 * Prints a float as Prometheus's API does (Go's strconv.FormatFloat(v, 'f', -1, 64)): the
 * shortest decimal that reads back as the same float, never in exponent form; "+Inf", "-Inf",
 * "NaN" for the special values and "-0" for negative zero.
 */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const s = String(v);
  if (!s.includes("e")) return s;
  const negative = v < 0;
  const [mantissa, exp] = Math.abs(v).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exp);
  let out: string;
  if (exponent >= 0) {
    const intLen = exponent + 1;
    out = digits.length <= intLen ? digits + "0".repeat(intLen - digits.length) : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  } else {
    out = `0.${"0".repeat(-exponent - 1)}${digits}`;
  }
  return negative ? `-${out}` : out;
}

/** A millisecond time as the API's Unix-seconds number (millisecond precision). */
export function formatTime(ms: number): number {
  return ms / 1000;
}
