/**
 * Nanosecond timestamps travel as decimal strings (they exceed 2^53). Both dialects must
 * compare them numerically: PostgreSQL stores them as bigint; SQLite stores them as
 * fixed-width zero-padded text, whose lexicographic order is the numeric order (an INTEGER
 * column would come back from bun:sqlite as a lossy JS number).
 */
import { CatalogError } from "./errors.ts";

const INT64_MAX = 9223372036854775807n;
/** Width of the SQLite text form: enough digits for any non-negative int64. */
export const NS_TEXT_WIDTH = 19;

/** Canonical form of a non-negative int64 ns time ("007" → "7"); throws on anything else. */
export function normalizeNs(value: string, what = "time"): string {
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value) || BigInt(value) > INT64_MAX) {
    throw new CatalogError(
      "invalid_argument",
      `${what} must be a non-negative int64 nanosecond time as a decimal string, got ${JSON.stringify(value)}`,
    );
  }
  return BigInt(value).toString();
}

/** The SQLite storage form: zero-padded to NS_TEXT_WIDTH digits. */
export function nsToSortableText(value: string): string {
  return normalizeNs(value).padStart(NS_TEXT_WIDTH, "0");
}

export function nsFromSortableText(text: string): string {
  return BigInt(text).toString();
}
