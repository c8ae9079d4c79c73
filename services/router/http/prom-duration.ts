/**
 * Prometheus durations (Loki's `since`): units y, w, d, h, m, s, ms combined in decreasing
 * order ("1h30m", "7d"); Go-style fractions ("1.5h") are accepted too. Returns nanoseconds.
 */
import { parseGoDuration } from "./go-duration.ts";

const PROM = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_NS = [365n * 86_400n, 7n * 86_400n, 86_400n, 3_600n, 60n, 1n].map((s) => s * 1_000_000_000n);

export function promDuration(text: string): bigint | undefined {
  const m = PROM.exec(text.trim());
  if (m && text.trim() !== "") {
    let ns = 0n;
    UNIT_NS.forEach((unit, i) => {
      if (m[i + 1]) ns += BigInt(m[i + 1]!) * unit;
    });
    if (m[7]) ns += BigInt(m[7]) * 1_000_000n;
    return ns;
  }
  const go = parseGoDuration(text);
  return typeof go === "bigint" ? go : undefined;
}
