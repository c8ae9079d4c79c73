/**
 * Go values as LogQL templates see them, and how Go prints and converts them: `bigint` is an
 * int64, `number` a float64 (printed as Go's %v: shortest digits, exponent from e+06), `GoTime`
 * a time.Time (UTC), objects are maps (labels, fromJson), arrays slices.
 */
/** A template that cannot compile or run (Loki sets `__error__=TemplateFormatErr` for the latter). */
export class TemplateError extends Error {}

export class GoTime {
  /** Nanoseconds since the epoch; `offsetSeconds` is the zone's offset from UTC. */
  constructor(readonly ns: bigint, readonly offsetSeconds = 0, readonly zone = "UTC") {}
}

export type GoValue = string | number | bigint | boolean | null | GoTime | GoValue[] | { [key: string]: GoValue };

/** Go's strconv.FormatFloat(v, 'g', -1, 64) as fmt's %v uses it (3000000 prints 3e+06). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa, expText] = v.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return formatFixedShortest(v);
}

function formatFixedShortest(v: number): string {
  const s = String(v);
  if (!s.includes("e")) return s;
  // JavaScript switches to exponents below 1e-6; Go's %v does not until 1e-4.
  const [mantissa, expText] = Math.abs(v).toExponential().split("e");
  const digits = mantissa!.replace(".", "");
  const exp = Number(expText);
  const out = exp < 0 ? `0.${"0".repeat(-exp - 1)}${digits}` : digits + "0".repeat(Math.max(0, exp + 1 - digits.length));
  return v < 0 ? `-${out}` : out;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Calendar fields of a GoTime in its zone. */
export function timeParts(t: GoTime) {
  const totalNs = t.ns + BigInt(t.offsetSeconds) * 1_000_000_000n;
  const ms = Number(totalNs / 1_000_000n) - (totalNs % 1_000_000n < 0n ? 1 : 0);
  const d = new Date(ms);
  let nanos = Number(totalNs % 1_000_000_000n);
  if (nanos < 0) nanos += 1e9;
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
    minute: d.getUTCMinutes(), second: d.getUTCSeconds(), nanos, weekday: d.getUTCDay(),
    yday: Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
  };
}

const pad = (n: number, width: number, ch = "0") => String(n).padStart(width, ch);

function zoneOffset(t: GoTime, colon: boolean, seconds: boolean, zForUtc: boolean): string {
  if (zForUtc && t.offsetSeconds === 0) return "Z";
  const sign = t.offsetSeconds < 0 ? "-" : "+";
  const abs = Math.abs(t.offsetSeconds);
  const h = pad(Math.floor(abs / 3600), 2);
  const m = pad(Math.floor((abs % 3600) / 60), 2);
  const s = pad(abs % 60, 2);
  const sep = colon ? ":" : "";
  return `${sign}${h}${sep}${m}${seconds ? sep + s : ""}`;
}

/** The layout elements of Go's time package, longest first so prefixes do not steal them. */
const LAYOUT_TOKENS = [
  "January", "Monday", "2006", "-07:00:00", "Z07:00:00", "-070000", "Z070000", "-07:00", "Z07:00", "-0700", "Z0700",
  "Jan", "Mon", "MST", "002", "__2", "_2", "01", "02", "03", "04", "05", "06", "15", "-07", "Z07", "PM", "pm", "1", "2", "3", "4", "5",
];

/** Go's Time.Format with a reference-time layout ("2006-01-02T15:04:05Z07:00"). */
export function formatGoTime(t: GoTime, layout: string): string {
  const p = timeParts(t);
  let out = "";
  for (let i = 0; i < layout.length; ) {
    const frac = /^[.,](0+|9+)(?!\d)/.exec(layout.slice(i));
    if (frac) {
      const digits = frac[1]!.length;
      let f = pad(p.nanos, 9).slice(0, digits);
      if (frac[1]![0] === "9") {
        f = f.replace(/0+$/, "");
        out += f ? layout[i] + f : "";
      } else out += layout[i] + f;
      i += frac[0].length;
      continue;
    }
    const tok = LAYOUT_TOKENS.find((k) => layout.startsWith(k, i));
    if (!tok) {
      out += layout[i++];
      continue;
    }
    i += tok.length;
    switch (tok) {
      case "January": out += MONTHS[p.month - 1]; break;
      case "Jan": out += MONTHS[p.month - 1]!.slice(0, 3); break;
      case "Monday": out += DAYS[p.weekday]; break;
      case "Mon": out += DAYS[p.weekday]!.slice(0, 3); break;
      case "2006": out += pad(p.year, 4); break;
      case "06": out += pad(p.year % 100, 2); break;
      case "01": out += pad(p.month, 2); break;
      case "1": out += p.month; break;
      case "02": out += pad(p.day, 2); break;
      case "_2": out += pad(p.day, 2, " "); break;
      case "2": out += p.day; break;
      case "002": out += pad(p.yday, 3); break;
      case "__2": out += pad(p.yday, 3, " "); break;
      case "15": out += pad(p.hour, 2); break;
      case "03": out += pad(p.hour % 12 || 12, 2); break;
      case "3": out += p.hour % 12 || 12; break;
      case "04": out += pad(p.minute, 2); break;
      case "4": out += p.minute; break;
      case "05": out += pad(p.second, 2); break;
      case "5": out += p.second; break;
      case "PM": out += p.hour >= 12 ? "PM" : "AM"; break;
      case "pm": out += p.hour >= 12 ? "pm" : "am"; break;
      case "MST": out += t.zone; break;
      default: {
        const z = tok.startsWith("Z");
        const body = tok.replace(/^[Z-]/, "");
        out += zoneOffset(t, body.includes(":"), body.length > 5, z);
      }
    }
  }
  return out;
}

/** Go's Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
export function goTimeString(t: GoTime): string {
  return formatGoTime(t, "2006-01-02 15:04:05.999999999 -0700 MST");
}

/** fmt.Sprint of one value, as a template action prints it. */
export function goPrint(v: GoValue): string {
  if (v === null) return "<nil>";
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return goFloat(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
  }
  if (v instanceof GoTime) return goTimeString(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(" ")}]`;
  return `map[${Object.keys(v).sort().map((k) => `${k}:${goPrint(v[k]!)}`).join(" ")}]`;
}

/** Go template truth: false, 0, "", nil and empty collections are false. */
export function isTrue(v: GoValue): boolean {
  if (v === null || v === false || v === "" || v === 0 || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object" && !(v instanceof GoTime)) return Object.keys(v).length > 0;
  return true;
}

/** spf13/cast's ToInt64 as sprig uses it: strings parse (base prefixes allowed), bad input is 0. */
export function toInt64(v: GoValue): bigint {
  switch (typeof v) {
    case "bigint":
      return v;
    case "number":
      return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
    case "boolean":
      return v ? 1n : 0n;
    case "string": {
      const s = v.replace(/\.0*$/, "");
      if (/^[+-]?(0x[0-9a-f]+|0o?[0-7]+|0b[01]+|\d+)$/i.test(s)) {
        try {
          const neg = s.startsWith("-");
          const body = s.replace(/^[+-]/, "");
          const n = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
          return neg ? -n : n;
        } catch {
          return 0n;
        }
      }
      return 0n;
    }
  }
  return 0n;
}

/** spf13/cast's ToFloat64: strings parse, bad input is 0. */
export function toFloat64(v: GoValue): number {
  switch (typeof v) {
    case "number":
      return v;
    case "bigint":
      return Number(v);
    case "boolean":
      return v ? 1 : 0;
    case "string": {
      const s = v.trim();
      if (s === "" || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Inf|NaN)$/i.test(s)) return 0;
      return /inf/i.test(s) ? (s.startsWith("-") ? -Infinity : Infinity) : Number(s);
    }
  }
  return 0;
}

/** Go's strconv.Quote of a string (printf %q). */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, "\\x$1").replace(/[\u007f]/g, "\\x7f");
}
