/**
 * Reading times for templates: Go's time.Parse with a reference layout (sprig's `toDate`,
 * Loki's `toDateInZone`) and Loki's `unixToTime`. Zones: UTC and fixed offsets in the text;
 * a named zone other than UTC is read as UTC (README.md, differences).
 */
import { GoTime } from "./go-values.ts";

/** Go's zero time.Time, what a failed parse gives. */
export const GO_ZERO_TIME = new GoTime(-62_135_596_800n * 1_000_000_000n);

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

type Field = "year" | "year2" | "month" | "monthName" | "day" | "hour" | "hour12" | "minute" | "second" | "frac" | "ampm" | "zone" | "zoneName" | "weekday" | "yday";

const TOKENS: [string, Field, RegExp][] = [
  ["January", "monthName", /^[A-Za-z]+/], ["Monday", "weekday", /^[A-Za-z]+/], ["2006", "year", /^\d{4}/],
  ["Z07:00:00", "zone", /^(Z|[+-]\d\d:\d\d:\d\d)/], ["-07:00:00", "zone", /^[+-]\d\d:\d\d:\d\d/],
  ["Z07:00", "zone", /^(Z|[+-]\d\d:\d\d)/], ["-07:00", "zone", /^[+-]\d\d:\d\d/],
  ["Z0700", "zone", /^(Z|[+-]\d{4})/], ["-0700", "zone", /^[+-]\d{4}/], ["Z07", "zone", /^(Z|[+-]\d\d)/], ["-07", "zone", /^[+-]\d\d/],
  ["Jan", "monthName", /^[A-Za-z]{3}/], ["Mon", "weekday", /^[A-Za-z]{3}/], ["MST", "zoneName", /^[A-Z]{3,5}|^[+-]\d\d(\d\d)?/],
  ["002", "yday", /^\d{3}/], ["__2", "yday", /^[ \d]{1,2}\d/], ["_2", "day", /^ ?\d{1,2}/], ["01", "month", /^\d\d/], ["02", "day", /^\d\d/],
  ["03", "hour12", /^\d\d/], ["04", "minute", /^\d\d/], ["05", "second", /^\d\d/], ["06", "year2", /^\d\d/], ["15", "hour", /^\d{1,2}/],
  ["PM", "ampm", /^(AM|PM)/], ["pm", "ampm", /^(am|pm)/], ["1", "month", /^\d{1,2}/], ["2", "day", /^\d{1,2}/],
  ["3", "hour12", /^\d{1,2}/], ["4", "minute", /^\d{1,2}/], ["5", "second", /^\d{1,2}/],
];

/** Go's time.Parse; undefined when the value does not fit the layout. `zoneOffset` for times without one. */
export function parseGoTime(layout: string, value: string, zoneOffsetSeconds = 0): GoTime | undefined {
  let year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let v = 0;
  for (let i = 0; i < layout.length; ) {
    const frac = /^[.,](0+|9+)(?!\d)/.exec(layout.slice(i));
    if (frac) {
      const m = frac[1]![0] === "9" ? /^([.,]\d+)?/.exec(value.slice(v)) : new RegExp(`^[.,]\\d{${frac[1]!.length}}`).exec(value.slice(v));
      if (!m) return undefined;
      if (m[0]) nanos = Number(m[0].slice(1).padEnd(9, "0").slice(0, 9));
      v += m[0].length;
      i += frac[0].length;
      continue;
    }
    const tok = TOKENS.find(([k]) => layout.startsWith(k, i));
    if (!tok) {
      if (value[v] !== layout[i]) return undefined;
      i++;
      v++;
      continue;
    }
    i += tok[0].length;
    const m = tok[2].exec(value.slice(v));
    if (!m) return undefined;
    const text = m[0];
    v += text.length;
    // Go reads a fractional second right after seconds even when the layout has none.
    if ((tok[1] === "second") && /^[.,]\d/.test(value.slice(v)) && !/^[.,][09]/.test(layout.slice(i))) {
      const f = /^[.,](\d+)/.exec(value.slice(v))!;
      nanos = Number(f[1]!.padEnd(9, "0").slice(0, 9));
      v += f[0].length;
    }
    const n = Number(text.trim());
    switch (tok[1]) {
      case "year": year = n; break;
      case "year2": year = n >= 69 ? 1900 + n : 2000 + n; break;
      case "month": month = n; break;
      case "monthName": {
        const idx = MONTHS.indexOf(text.slice(0, 3).toLowerCase());
        if (idx < 0) return undefined;
        month = idx + 1;
        break;
      }
      case "day": day = n; break;
      case "hour": hour = n; break;
      case "hour12": hour = n % 12; break;
      case "minute": minute = n; break;
      case "second": second = n; break;
      case "ampm": pm = text.toLowerCase() === "pm"; break;
      case "zone": {
        if (text === "Z") offset = 0;
        else {
          const digits = text.slice(1).replace(/:/g, "");
          const secs = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || "0") * 60 + Number(digits.slice(4, 6) || "0");
          offset = text[0] === "-" ? -secs : secs;
        }
        break;
      }
      case "zoneName":
        if (text === "UTC" || text === "GMT") offset = 0;
        break;
      default:
        break;
    }
  }
  if (v !== value.length) return undefined;
  if (pm !== undefined && pm) hour += 12;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const utcDate = new Date(ms);
  if (utcDate.getUTCDate() !== day) return undefined;
  const off = offset ?? zoneOffsetSeconds;
  const ns = (BigInt(ms) / 1000n - BigInt(off)) * 1_000_000_000n + BigInt(nanos);
  return new GoTime(ns, off, off === 0 ? "UTC" : "");
}

/** Loki's unixToTime: a Unix time whose length says its unit (days, s, ms, µs, ns). */
export function unixToTime(epoch: string): GoTime | undefined {
  if (!/^-?\d+$/.test(epoch)) return undefined;
  const n = BigInt(epoch);
  switch (epoch.length) {
    case 5: return new GoTime(n * 86_400n * 1_000_000_000n);
    case 10: return new GoTime(n * 1_000_000_000n);
    case 13: return new GoTime(n * 1_000_000n);
    case 16: return new GoTime(n * 1_000n);
    case 19: return new GoTime(n);
    default: return undefined;
  }
}
