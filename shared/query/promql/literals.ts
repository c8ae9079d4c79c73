/** Number, duration and string literals of PromQL, read as Prometheus 2.x reads them. */

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** A duration such as `1h30m` in milliseconds, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (text === "") return undefined;
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const units = ["y", "w", "d", "h", "m", "s", "ms"];
  let ms = 0;
  for (let i = 0; i < units.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[units[i]];
  return ms;
}

/** Whether a number token is in fact a duration (`5m`), which Prometheus 2.x does not take as a number. */
export function isDurationToken(text: string): boolean {
  return /^\d+(?:y|w|d|h|m|s|ms)/.test(text) && parseDuration(text) !== undefined;
}

/**
 * A number literal: decimal, exponent, hexadecimal (`0x3d`), octal with a leading zero (Go's
 * ParseInt base 0), `Inf` and `NaN` in any case. Undefined when it is none of these.
 */
export function parseNumber(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === "inf") return Infinity;
  if (lower === "nan") return NaN;
  if (/^0x[0-9a-f]+$/.test(lower)) return Number.parseInt(lower.slice(2), 16);
  if (/^0[0-7]+$/.test(lower)) return Number.parseInt(lower.slice(1), 8);
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/.test(lower)) return undefined;
  return Number(lower);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", "'": "'", '"': '"',
};

/** A quoted string's value (Go escapes in '…' and "…", none in `…`), or an error message. */
export function unquote(text: string): { value: string } | { error: string } {
  const quote = text[0];
  if (text.length < 2 || text[text.length - 1] !== quote) return { error: "unterminated quoted string" };
  const body = text.slice(1, -1);
  if (quote === "`") return { value: body };
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
    } else if (e === "x" || e === "u" || e === "U") {
      const len = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return { error: `invalid syntax in escape sequence \\${e}` };
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += len;
    } else if (e !== undefined && e >= "0" && e <= "7") {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return { error: "invalid syntax in octal escape sequence" };
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 2;
    } else {
      return { error: `unknown escape sequence \\${e ?? ""}` };
    }
  }
  return { value: out };
}
