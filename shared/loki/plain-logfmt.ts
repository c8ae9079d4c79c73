/**
 * "Plain" logfmt lines, the ones whose `| logfmt` pairs a regex reads exactly as Loki's
 * decoder does (the querier's log-samples.ts explains why): whitespace-separated `key`,
 * `key=`, `key=value` or `key="value"`, keys `[A-Za-z_][A-Za-z0-9_]*`, bare values without
 * `"`/`=`, quoted ones without `\`, `"`, `=` or control characters, no U+FFFD anywhere.
 *
 * The querier tests that on every row it groups (`PLAIN_LOGFMT_BODY`, a per-byte regex over the
 * body's JSON text, a large share of a `| logfmt` metric query). The writer knows its rows as
 * it flushes them, so it records in the file's footer which `service_name` values hold only
 * plain logfmt lines (`PLAIN_LOGFMT_SERVICES_KEY`); the querier skips the regex on those rows.
 * Compaction carries it over (a service stays listed when every input holding its rows lists
 * it). A file without the key (older writers) is simply tested row by row, and readers
 * that do not know the key ignore it.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { DataType, type Data, type RecordBatch } from "apache-arrow";
import { quoteLiteral } from "../duckdb/sql.ts";

/** Footer key: JSON array of the `service_name` values every row of which has a plain logfmt string body. */
export const PLAIN_LOGFMT_SERVICES_KEY = "signalbox.logs.plain_logfmt_services";

/**
 * Per file of `files` whose footer lists any, the services it says hold only plain logfmt
 * lines. A file without the key (older writers) or with a value this reader does not
 * understand is left out: its rows are tested one by one.
 */
export async function readPlainLogfmtServices(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, ReadonlySet<string>>> {
  const reader = await connection.runAndReadAll(
    `SELECT file_name, decode(value) FROM parquet_kv_metadata([${files.map(quoteLiteral).join(", ")}])
     WHERE decode(key) = ${quoteLiteral(PLAIN_LOGFMT_SERVICES_KEY)}`,
  );
  const out = new Map<string, ReadonlySet<string>>();
  for (const [file, value] of reader.getRows() as [string, string][]) {
    const services = parseServices(value);
    if (services.size > 0) out.set(file, services);
  }
  return out;
}

/** The services a `PLAIN_LOGFMT_SERVICES_KEY` value names; none when it is not a list of non-empty names. */
function parseServices(value: string): Set<string> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((s) => typeof s === "string" && s !== "")) return new Set(parsed as string[]);
  } catch {
    // Not ours to read.
  }
  return new Set();
}

const KEY = "[A-Za-z_][A-Za-z0-9_]*";
/** A bare value in the body's JSON text: no space, control character, quote, backslash, `=` or U+FFFD. */
export const PLAIN_LOGFMT_BARE = String.raw`[^\x00-\x20"\\=\x{FFFD}]`;
/** A quoted value in the body's JSON text (`\"…\"`): no escape, `=`, control character or U+FFFD inside. */
const QUOTED = String.raw`\\"[^"\\=\x00-\x1f\x{FFFD}]*\\"`;
const TOKEN = `${KEY}(?:=(?:${QUOTED}|${PLAIN_LOGFMT_BARE}*))?`;
/**
 * A string body whose line is a plain logfmt line, as an RE2 pattern over the body's JSON
 * text: its only escapes are the quotes' `\"`, so its line is the text with those unescaped.
 */
export const PLAIN_LOGFMT_BODY = String.raw`\{"stringValue":" *(?:${TOKEN}(?: +${TOKEN})*)? *"\}`;

const PREFIX = new TextEncoder().encode('{"stringValue":"');
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;

/** Byte classes, one bit each: a key's first byte, a key's byte, a bare value's byte, a quoted value's byte (ASCII only). */
const KEY_START = 1;
const KEY_CHAR = 2;
const BARE_CHAR = 4;
const QUOTED_CHAR = 8;
const CLASS = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x20; c < 0x7f; c++) {
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    const digit = c >= 0x30 && c <= 0x39;
    const special = c === QUOTE || c === BACKSLASH || c === EQUALS;
    table[c] = (letter ? KEY_START | KEY_CHAR : 0) | (digit ? KEY_CHAR : 0) | (special || c === SPACE ? 0 : BARE_CHAR) | (special ? 0 : QUOTED_CHAR);
  }
  return table;
})();

/**
 * Whether the body `bytes[from, to)` (its JSON text) is an ASCII string body that
 * `PLAIN_LOGFMT_BODY` matches whole. Narrower than the pattern (non-ASCII lines answer false):
 * a true answer must imply the pattern's, not the other way round.
 */
export function isPlainLogfmtBody(bytes: Uint8Array, from: number, to: number): boolean {
  const end = to - 2;
  if (end < from + PREFIX.length || bytes[end] !== QUOTE || bytes[end + 1] !== 0x7d) return false;
  for (let k = 0; k < PREFIX.length; k++) if (bytes[from + k] !== PREFIX[k]) return false;
  let i = from + PREFIX.length;
  for (;;) {
    while (i < end && bytes[i] === SPACE) i++;
    if (i === end) return true;
    if ((CLASS[bytes[i]!]! & KEY_START) === 0) return false;
    i++;
    while (i < end && (CLASS[bytes[i]!]! & KEY_CHAR) !== 0) i++;
    if (i < end && bytes[i] === EQUALS) {
      i++;
      if (i + 1 < end && bytes[i] === BACKSLASH && bytes[i + 1] === QUOTE) {
        // Quoted: printable ASCII but `"`, `\`, `=` up to the closing `\"`.
        for (i += 2; ; i++) {
          if (i >= end) return false;
          const c = bytes[i]!;
          if (c === BACKSLASH) {
            if (i + 1 >= end || bytes[i + 1] !== QUOTE) return false;
            i += 2;
            break;
          }
          if ((CLASS[c]! & QUOTED_CHAR) === 0) return false;
        }
      } else {
        // Bare: printable ASCII but space, `"`, `\`, `=`.
        while (i < end && (CLASS[bytes[i]!]! & BARE_CHAR) !== 0) i++;
      }
    }
    // A token ends at a space or at the line's end; anything else is not plain.
    if (i < end && bytes[i] !== SPACE) return false;
  }
}

/**
 * The `service_name` values (non-empty) every row of which, in `batches` of the logs table,
 * has a plain logfmt string body (`isPlainLogfmtBody`), sorted.
 */
export function plainLogfmtServices(batches: readonly RecordBatch[]): string[] {
  const plain = new Set<string>();
  const mixed = new Set<string>();
  for (const batch of batches) {
    const body = batch.getChild("body")?.data;
    const service = batch.getChild("service_name")?.data;
    if (body === undefined || service === undefined || body.length !== 1 || service.length !== 1) return [];
    const bodies = body[0]!;
    const services = service[0]!;
    if (!DataType.isUtf8(bodies.type)) return [];
    const serviceOf = textReader(services);
    if (serviceOf === undefined) return [];
    const offsets = bodies.valueOffsets as Int32Array;
    const bytes = bodies.values as Uint8Array;
    for (let r = 0; r < bodies.length; r++) {
      const name = serviceOf(r);
      if (name === null || name === "" || mixed.has(name)) continue;
      if (bodies.getValid(r) && isPlainLogfmtBody(bytes, offsets[r]!, offsets[r + 1]!)) plain.add(name);
      else {
        mixed.add(name);
        plain.delete(name);
      }
    }
  }
  return [...plain].sort();
}

/** Row → text (null when null) of a Utf8 or Dictionary<Int32, Utf8> column; undefined for other types. */
function textReader(data: Data): ((row: number) => string | null) | undefined {
  const decoder = new TextDecoder();
  const entryOf = (utf8: Data) => {
    const offsets = utf8.valueOffsets as Int32Array;
    const bytes = utf8.values as Uint8Array;
    return (i: number) => decoder.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!));
  };
  if (data.dictionary) {
    const entries = data.dictionary.data;
    if (entries.length !== 1 || !DataType.isUtf8(entries[0]!.type)) return undefined;
    const entry = entryOf(entries[0]!);
    const decoded = new Map<number, string>();
    const indices = data.values as Int32Array;
    return (row) => {
      if (!data.getValid(row)) return null;
      const index = indices[row]!;
      let text = decoded.get(index);
      if (text === undefined) decoded.set(index, (text = entry(index)));
      return text;
    };
  }
  if (!DataType.isUtf8(data.type)) return undefined;
  const entry = entryOf(data);
  // Rows come in runs of one service: its text is decoded once per run.
  let lastFrom = -1;
  let lastText = "";
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  return (row) => {
    if (!data.getValid(row)) return null;
    const from = offsets[row]!;
    const length = offsets[row + 1]! - from;
    if (lastFrom >= 0 && length === offsets[lastFrom + 1]! - offsets[lastFrom]! && sameBytes(bytes, from, offsets[lastFrom]!, length)) return lastText;
    lastFrom = row;
    return (lastText = entry(row));
  };
}

function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}
