/**
 * Reading a span's dedicated values (dedicated-attributes.ts) out of its attribute JSON:
 * the canonical form the acceptor writes (`[{"key":"k","value":{"member":v}}, ...]`, no
 * whitespace) by a scan that only looks at structure and keys; any other shape through
 * JSON.parse. A value's text is exactly what DuckDB's `json_extract_string` gives for it.
 */
import { DEDICATED_SPAN_ATTRIBUTES } from "./dedicated-attributes.ts";

/** The dedicated keys, in column order (index k everywhere below). */
export const KEYS = Object.keys(DEDICATED_SPAN_ATTRIBUTES);
const utf8 = new TextEncoder();
const textDecoder = new TextDecoder();
const KEY_BYTES = KEYS.map((k) => utf8.encode(k));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const KEY_OPEN = utf8.encode('{"key":"');
const VALUE_OPEN = utf8.encode('","value":');
const TYPE_LETTER = { s: 0x73, i: 0x69, d: 0x64, b: 0x62, x: 0x78 } as const;

/**
 * The dedicated values found in one span: a type letter (0 = key absent) and the value's
 * text as a byte range, of the attribute bytes or of `text[k]` when it had to be rewritten
 * (escapes, number forms, parsed JSON). Kept in typed arrays: no allocation per key.
 */
export class Found {
  readonly letter = new Uint8Array(KEYS.length);
  readonly start = new Int32Array(KEYS.length);
  readonly end = new Int32Array(KEYS.length);
  readonly text: (Uint8Array | undefined)[] = KEYS.map(() => undefined);
  /** Whether any key was set since the last clear (many spans have none). */
  dirty = true;

  clear(): void {
    if (!this.dirty) return;
    this.letter.fill(0);
    this.text.fill(undefined);
    this.dirty = false;
  }

  setRange(k: number, letter: number, start: number, end: number): void {
    this.dirty = true;
    this.letter[k] = letter;
    this.start[k] = start;
    this.end[k] = end;
  }

  setText(k: number, letter: number, text: Uint8Array): void {
    this.setRange(k, letter, 0, text.length);
    this.text[k] = text;
  }
}


const KEY_LENGTHS = new Uint8Array(Math.max(...KEY_BYTES.map((k) => k.length)) + 1);
const FIRST_BYTES = new Uint8Array(256);
for (const key of KEY_BYTES) {
  KEY_LENGTHS[key.length] = 1;
  FIRST_BYTES[key[0]!] = 1;
}

/** The dedicated key index of the UTF-8 key b[from, to), -1 for any other key (most are rejected by length and first byte). */
export function dedicatedKeyIndex(b: Uint8Array, from: number, to: number): number {
  const length = to - from;
  if (length >= KEY_LENGTHS.length || KEY_LENGTHS[length] === 0 || FIRST_BYTES[b[from]!] === 0) return -1;
  return dedicatedIndex(b, from, to);
}

/**
 * Records the value whose JSON is b[from, to) as dedicated key k, read as any JSON: for a
 * value not in the canonical form (never the decoder's own).
 */
export function readAnyValue(b: Uint8Array, from: number, to: number, k: number, found: Found): void {
  const alone = new Found();
  scanParsed(utf8.encode(`[{"key":${JSON.stringify(KEYS[k])},"value":${textDecoder.decode(b.subarray(from, to))}}]`), alone);
  found.letter[k] = 0;
  if (alone.letter[k] !== 0) found.setText(k, alone.letter[k]!, alone.text[k]!);
}

/**
 * Reads `[{"key":"k","value":{"member":v}}, ...]` in bytes [from, to) and records the first
 * occurrence of each dedicated key. Returns false on anything else (the caller parses).
 */
export function scanCanonical(b: Uint8Array, from: number, to: number, found: Found): boolean {
  let p = from;
  if (b[p++] !== OPEN_BRACKET) return false;
  if (b[p] === CLOSE_BRACKET) return p + 1 === to;
  for (;;) {
    if (!startsWith(b, p, KEY_OPEN)) return false;
    const keyStart = p + KEY_OPEN.length;
    let keyEnd = keyStart;
    while (keyEnd < to && b[keyEnd] !== QUOTE) {
      if (b[keyEnd] === BACKSLASH) return false;
      keyEnd++;
    }
    if (keyEnd >= to) return false;
    p = keyEnd;
    if (!startsWith(b, p, VALUE_OPEN)) return false;
    p += VALUE_OPEN.length;
    const k = dedicatedIndex(b, keyStart, keyEnd);
    const end = readValue(b, p, to, k >= 0 && found.letter[k] === 0 ? k : -1, found);
    if (end < 0) return false;
    p = end;
    if (b[p++] !== CLOSE_BRACE) return false;
    if (b[p] === COMMA) p++;
    else return b[p] === CLOSE_BRACKET && p + 1 === to;
  }
}

/**
 * Reads the value object at p (`{}` or `{"member":v}`), records its dedicated text as key k
 * (unless k is -1), and returns the position after it (-1 if it is not canonical).
 */
export function readValue(b: Uint8Array, p: number, to: number, k: number, found: Found): number {
  if (b[p] !== OPEN_BRACE) return -1;
  if (b[p + 1] === CLOSE_BRACE) {
    if (k >= 0) found.setRange(k, TYPE_LETTER.x, 0, 0);
    return p + 2;
  }
  if (b[p + 1] !== QUOTE) return -1;
  const memberEnd = b.indexOf(QUOTE, p + 2);
  if (memberEnd < 0 || b[memberEnd + 1] !== 0x3a) return -1;
  const letter = memberLetter(b[p + 2]!, memberEnd - (p + 2));
  let q = memberEnd + 2;
  if (letter === TYPE_LETTER.x) {
    q = skipJson(b, q, to);
    if (k >= 0) found.setRange(k, TYPE_LETTER.x, 0, 0);
  } else if (b[q] === QUOTE) {
    const close = stringEnd(b, q + 1, to);
    if (close < 0) return -1;
    if (k >= 0) {
      if (hasByte(b, q + 1, close, BACKSLASH)) {
        found.setText(k, letter, utf8.encode(JSON.parse(textDecoder.decode(b.subarray(q, close + 1)))));
      } else found.setRange(k, letter, q + 1, close);
    }
    q = close + 1;
  } else {
    let close = q;
    while (close < to && b[close] !== CLOSE_BRACE && b[close] !== COMMA) close++;
    if (close >= to || b[close] !== CLOSE_BRACE) return -1; // a second member: not canonical
    if (k >= 0) {
      const raw = textDecoder.decode(b.subarray(q, close));
      // A null member counts as absent: the value has no typed member left.
      if (raw === "null") found.setRange(k, TYPE_LETTER.x, 0, 0);
      else if (letter === TYPE_LETTER.b) found.setRange(k, letter, q, close);
      else found.setText(k, letter, utf8.encode(jsonNumberText(raw)));
    }
    q = close;
  }
  if (q < 0 || b[q] !== CLOSE_BRACE) return -1;
  return q + 1;
}

function memberLetter(first: number, length: number): number {
  if (first === TYPE_LETTER.s && length === 11) return TYPE_LETTER.s; // stringValue
  if (first === TYPE_LETTER.i && length === 8) return TYPE_LETTER.i; // intValue
  if (first === TYPE_LETTER.d && length === 11) return TYPE_LETTER.d; // doubleValue
  if (first === TYPE_LETTER.b && length === 9) return TYPE_LETTER.b; // boolValue
  return TYPE_LETTER.x; // arrayValue, kvlistValue, bytesValue
}

/** Index of the closing quote of a string whose content starts at p (escapes honoured). */
function stringEnd(b: Uint8Array, p: number, to: number): number {
  for (;;) {
    const q = b.indexOf(QUOTE, p);
    if (q < 0 || q >= to) return -1;
    let slashes = 0;
    while (b[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
    p = q + 1;
  }
}

/** Position after the JSON value starting at p (object, array, string or scalar). */
function skipJson(b: Uint8Array, p: number, to: number): number {
  let depth = 0;
  while (p < to) {
    const c = b[p]!;
    if (c === QUOTE) {
      p = stringEnd(b, p + 1, to);
      if (p < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return p;
      depth--;
      if (depth === 0) return p + 1;
    } else if (c === COMMA && depth === 0) return p;
    p++;
  }
  return -1;
}

function hasByte(b: Uint8Array, from: number, to: number, byte: number): boolean {
  for (let i = from; i < to; i++) if (b[i] === byte) return true;
  return false;
}

function startsWith(b: Uint8Array, p: number, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (b[p + i] !== prefix[i]) return false;
  return true;
}

function dedicatedIndex(b: Uint8Array, from: number, to: number): number {
  const len = to - from;
  outer: for (let k = 0; k < KEY_BYTES.length; k++) {
    const key = KEY_BYTES[k]!;
    if (key.length !== len) continue;
    for (let i = 0; i < len; i++) if (b[from + i] !== key[i]) continue outer;
    return k;
  }
  return -1;
}

/** Any valid JSON: the same values through JSON.parse (NULLs if it does not parse). */
export function scanParsed(text: Uint8Array, found: Found): void {
  let members: unknown;
  try {
    members = JSON.parse(textDecoder.decode(text));
  } catch {
    return;
  }
  if (!Array.isArray(members)) return;
  for (const kv of members) {
    if (typeof kv !== "object" || kv === null) continue;
    const k = KEYS.indexOf((kv as { key?: unknown }).key as string);
    if (k < 0 || found.letter[k] !== 0) continue;
    const typed = typedText((kv as { value?: unknown }).value);
    found.setText(k, typed.charCodeAt(0), utf8.encode(typed.slice(1)));
  }
}

function typedText(value: unknown): string {
  if (typeof value !== "object" || value === null) return "x";
  const v = value as Record<string, unknown>;
  for (const [member, letter] of [["stringValue", "s"], ["intValue", "i"], ["doubleValue", "d"], ["boolValue", "b"]] as const) {
    const m = v[member];
    if (m === undefined || m === null || typeof m === "object") continue;
    return letter + (typeof m === "number" ? jsonNumberText(String(m)) : String(m));
  }
  return "x";
}

const INTEGER = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A JSON number as DuckDB's json_extract_string prints it (yyjson): integers that fit 64 bits
 * in canonical form, larger ones as written; reals as the shortest round-trip digits, an
 * exponent without "+", and ".0" on integral values (`1e3` → "1000.0", `1e+300` → "1e300").
 */
export function jsonNumberText(raw: string): string {
  if (INTEGER.test(raw)) {
    const n = BigInt(raw);
    return n >= INT64_MIN && n <= UINT64_MAX ? n.toString() : raw;
  }
  const value = Number(raw);
  if (Number.isNaN(value) && raw !== "NaN") return raw;
  const text = String(value).replace("e+", "e");
  return INTEGER.test(text) ? `${text}.0` : text;
}
