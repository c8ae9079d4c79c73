/**
 * Org and bucket names become single folder names. Rule (documented in README-worthy form):
 *
 * - rejected: the empty string, any name containing NUL (U+0000) or a lone surrogate, and
 *   names longer than 255 bytes once encoded;
 * - kept as is: ASCII letters, digits, `_`, `-`, and `.` when it is not the first character;
 * - everything else (including `/`, `\`, `%`, a leading `.`, spaces, non-ASCII) is
 *   percent-encoded byte by byte over UTF-8 (`%2F`, upper-case hex).
 *
 * So `..` → `%2E.`, `a/b` → `a%2Fb`: no name can climb out of its folder or name two
 * folders, and decoding is exact (the encoding is canonical, checked on the way back).
 */
import { InvalidPathSegmentError } from "./errors.ts";

/** Longest encoded segment: common file systems cap a name at 255 bytes. */
export const MAX_SEGMENT_BYTES = 255;

const SAFE = /[A-Za-z0-9_-]/;
const utf8 = new TextEncoder();

export function encodePathSegment(what: string, value: string): string {
  if (value.length === 0) throw new InvalidPathSegmentError(what, value, "empty");
  if (value.includes("\u0000")) throw new InvalidPathSegmentError(what, value, "contains NUL");
  if (!value.isWellFormed()) throw new InvalidPathSegmentError(what, value, "not well-formed UTF-16 (lone surrogate)");
  let out = "";
  for (const ch of value) {
    if (SAFE.test(ch) || (ch === "." && out.length > 0)) out += ch;
    else for (const b of utf8.encode(ch)) out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  if (out.length > MAX_SEGMENT_BYTES) {
    throw new InvalidPathSegmentError(what, value, `longer than ${MAX_SEGMENT_BYTES} bytes once encoded`);
  }
  return out;
}

export function decodePathSegment(what: string, segment: string): string {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch {
    throw new InvalidPathSegmentError(what, segment, "bad percent-encoding");
  }
  // Only the canonical spelling is accepted, so one name has exactly one folder.
  if (encodePathSegment(what, value) !== segment) throw new InvalidPathSegmentError(what, segment, "not canonically encoded");
  return value;
}
