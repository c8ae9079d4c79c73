/**
 * Element-wise arithmetic with Go's float64 semantics where JavaScript's differs, so results
 * equal Prometheus's to the bit where the operations are exact.
 */

/** Go's math.Pow: 1^y and x^0 are 1 even for NaN y / x; (-1)^±Inf is 1. */
export function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

/** Go's math.Mod: the remainder takes the dividend's sign (JavaScript's % already does). */
export function mod(x: number, y: number): number {
  return x % y;
}

/** Sign of v: -1, 0 or 1 (NaN stays NaN). */
export function sgn(v: number): number {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v;
}

/** Rounds to the nearest multiple of `toNearest`, ties up. */
export function roundTo(v: number, toNearest: number): number {
  const inverse = 1 / toNearest;
  return Math.floor(v * inverse + 0.5) / inverse;
}

/** Calendar fields of a Unix time in seconds (UTC), truncated to whole seconds first. */
export type CalendarField = "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month" | "hour" | "minute" | "month" | "year";

export function calendarField(field: CalendarField, unixSeconds: number): number {
  const d = new Date(Math.trunc(unixSeconds) * 1000);
  switch (field) {
    case "day_of_month":
      return d.getUTCDate();
    case "day_of_week":
      return d.getUTCDay();
    case "day_of_year": {
      const start = Date.UTC(d.getUTCFullYear(), 0, 1);
      return Math.floor((d.getTime() - start) / 86_400_000) + 1;
    }
    case "days_in_month":
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    case "hour":
      return d.getUTCHours();
    case "minute":
      return d.getUTCMinutes();
    case "month":
      return d.getUTCMonth() + 1;
    case "year":
      return d.getUTCFullYear();
  }
}
