/**
 * The values of a few rows of one Parquet column chunk, decoded from its pages: only the
 * pages holding those rows are decompressed, and only their values are materialised.
 *
 * Covers flat columns (no repetition) of INT32, INT64 and UTF-8 BYTE_ARRAY, PLAIN,
 * dictionary, DELTA_BINARY_PACKED or DELTA_LENGTH_BYTE_ARRAY encoded, uncompressed or zstd, in v1 or v2 data pages: what DuckDB
 * writes for the traces table, at either Parquet version. Anything else throws `UnsupportedLayout`, and the caller reads the file
 * with DuckDB instead.
 */
import { readDeltaBinaryPacked, readDeltaLengthByteArray } from "./delta-encodings.ts";
import { readHybridRange, type HybridRange } from "./hybrid-rle.ts";
import { PageType, readPageHeader, type PageHeader } from "./page-header.ts";
import type { PagePrefix, ZstdPages } from "./zstd-pages.ts";

export type Physical = "INT32" | "INT64" | "BYTE_ARRAY";
export type Value = string | number | bigint | null;

export class UnsupportedLayout extends Error {}

const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, DELTA_BINARY_PACKED: 5, DELTA_LENGTH_BYTE_ARRAY: 6, RLE_DICTIONARY: 8 } as const;
const Codec = { UNCOMPRESSED: "UNCOMPRESSED", ZSTD: "ZSTD" } as const;

// A column's dictionary stays in use while its data pages are decoded: two buffers.
const DICTIONARY_SLOT = 0;
const DATA_SLOT = 1;

export interface ChunkSpec {
  physical: Physical;
  /** OPTIONAL: each value has a definition level (1 = present). */
  optional: boolean;
  /** The footer's codec name as DuckDB spells it (`ZSTD`, `UNCOMPRESSED`, ...). */
  codec: string;
}

// Strings are checked as DuckDB checks them (invalid UTF-8 is an error, not a replacement
// character); a leading byte-order mark is dropped, as DuckDB's client drops it.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Values of rows `[from, to)` (counted from the chunk's first row) of the chunk in `bytes`. */
export function readChunkRows(bytes: Uint8Array, spec: ChunkSpec, from: number, to: number, pages: ZstdPages): Value[] {
  if (spec.codec !== Codec.ZSTD && spec.codec !== Codec.UNCOMPRESSED) throw new UnsupportedLayout(`codec ${spec.codec}`);
  const out: Value[] = [];
  let dictionary: Dictionary | undefined;
  let at = 0;
  let pageFirst = 0;
  while (pageFirst < to) {
    if (at >= bytes.length) throw new RangeError("column chunk ends before the rows asked for");
    const header = readPageHeader(bytes, at);
    const body = bytes.subarray(at + header.headerSize, at + header.headerSize + header.compressedSize);
    at += header.headerSize + header.compressedSize;
    if (header.type === PageType.DICTIONARY_PAGE) {
      if (header.encoding !== Encoding.PLAIN && header.encoding !== Encoding.PLAIN_DICTIONARY) throw new UnsupportedLayout(`dictionary encoding ${header.encoding}`);
      dictionary = new Dictionary(decompress(pages, body, header.uncompressedSize, spec.codec, DICTIONARY_SLOT), header.numValues, spec.physical);
      continue;
    }
    if (header.type !== PageType.DATA_PAGE && header.type !== PageType.DATA_PAGE_V2) continue;
    const pageEnd = pageFirst + header.numValues;
    // A page before the rows is skipped whole: not even decompressed.
    if (pageEnd > from) {
      const start = Math.max(from, pageFirst) - pageFirst;
      const end = Math.min(to, pageEnd) - pageFirst;
      for (const v of pageRows(body, header, spec, dictionary, start, end, pages)) out.push(v);
    }
    pageFirst = pageEnd;
  }
  return out;
}

function pageRows(body: Uint8Array, header: PageHeader, spec: ChunkSpec, dictionary: Dictionary | undefined, start: number, end: number, pages: ZstdPages): Value[] {
  // Definition levels of rows [start, end), and how many rows before them hold a value.
  let levels: HybridRange | undefined;
  let source: PagePrefix;
  let at = 0;
  // Plain values are stored in row order: such a page is decompressed only as far as the rows wanted.
  const partly = header.encoding === Encoding.PLAIN && end < header.numValues;
  if (header.v2 !== undefined) {
    const { definitionBytes, repetitionBytes, compressed } = header.v2;
    if (repetitionBytes !== 0) throw new UnsupportedLayout("repeated column");
    if (spec.optional) levels = readHybridRange(body, 0, definitionBytes, 1, start, end, true);
    const stored = body.subarray(definitionBytes);
    source = compressed ? prefix(pages, stored, header.uncompressedSize - definitionBytes, spec.codec, partly) : whole(stored);
  } else {
    source = prefix(pages, body, header.uncompressedSize, spec.codec, partly);
    if (spec.optional) {
      const length = view(source.upTo(4)).getUint32(0, true);
      levels = readHybridRange(source.upTo(4 + length), 4, 4 + length, 1, start, end, true);
      at = 4 + length;
    }
  }
  // Which stored value each row takes: rows with level 0 are null and take none.
  const first = levels === undefined ? start : levels.sumBefore;
  const slot = new Int32Array(end - start);
  let present = first;
  for (let row = 0; row < slot.length; row++) slot[row] = levels === undefined || levels.values[row] === 1 ? present++ : -1;
  // Values [first, present) are the rows' own.
  const decode = valueDecoder(source, at, header.encoding, spec.physical, dictionary, first, present);
  const out: Value[] = [];
  for (let row = 0; row < slot.length; row++) out.push(slot[row]! < 0 ? null : decode(slot[row]!));
  return out;
}

/** Stored values `[first, count)` of a page whose values start at byte `at` (only those are asked for). */
function valueDecoder(source: PagePrefix, at: number, encoding: number, physical: Physical, dictionary: Dictionary | undefined, first: number, count: number): (i: number) => Value {
  if (encoding === Encoding.PLAIN) {
    if (physical === "BYTE_ARRAY") return plainStrings(source, at, first, count);
    return plainNumbers(source.upTo(at + count * (physical === "INT32" ? 4 : 8)).subarray(at), physical);
  }
  const values = source.upTo(Infinity).subarray(at);
  if (encoding === Encoding.RLE_DICTIONARY || encoding === Encoding.PLAIN_DICTIONARY) {
    if (dictionary === undefined) throw new RangeError("dictionary-encoded page without a dictionary");
    const indexes = readHybridRange(values, 1, values.length, values[0]!, first, count).values;
    return (i) => dictionary.get(indexes[i - first]!);
  }
  if (encoding === Encoding.DELTA_BINARY_PACKED && physical !== "BYTE_ARRAY") {
    const { values: decoded } = readDeltaBinaryPacked(values, 0, count);
    return physical === "INT32" ? (i) => Number(BigInt.asIntN(32, decoded[i]!)) : (i) => decoded[i]!;
  }
  if (encoding === Encoding.DELTA_LENGTH_BYTE_ARRAY && physical === "BYTE_ARRAY") {
    const { values: decoded } = readDeltaLengthByteArray(values, 0, count);
    return (i) => utf8.decode(decoded[i]!);
  }
  throw new UnsupportedLayout(`data encoding ${encoding} of ${physical}`);
}

function plainNumbers(values: Uint8Array, physical: Physical): (i: number) => Value {
  const v = view(values);
  return physical === "INT32" ? (i) => v.getInt32(i * 4, true) : (i) => v.getBigInt64(i * 8, true);
}

/**
 * Plain strings `[first, count)` of a page whose values start at byte `at`: each is its
 * length (4 bytes) and its bytes, so the lengths before them say where they are.
 */
function plainStrings(source: PagePrefix, at: number, first: number, count: number): (i: number) => Value {
  const starts = new Uint32Array(Math.max(0, count - first));
  let page = source.upTo(at + 4);
  let v = view(page);
  let end = at;
  for (let i = 0; i < count; i++) {
    if (end + 4 > page.length) {
      page = source.upTo(end + 4);
      v = view(page);
    }
    if (i >= first) starts[i - first] = end;
    end += 4 + v.getUint32(end, true);
  }
  page = source.upTo(end);
  if (page.length < end) throw new RangeError("plain page ends before its values");
  const bytes = page;
  const lengths = view(bytes);
  return (i) => {
    const s = starts[i - first]!;
    return utf8.decode(bytes.subarray(s + 4, s + 4 + lengths.getUint32(s, true)));
  };
}

class Dictionary {
  private readonly decode: (i: number) => Value;
  private readonly decoded = new Map<number, Value>();

  constructor(
    page: Uint8Array,
    private readonly size: number,
    physical: Physical,
  ) {
    this.decode = physical === "BYTE_ARRAY" ? plainStrings(whole(page), 0, 0, size) : plainNumbers(page, physical);
  }

  get(index: number): Value {
    if (index >= this.size) throw new RangeError(`dictionary index ${index} of ${this.size}`);
    let value = this.decoded.get(index);
    if (value === undefined) this.decoded.set(index, (value = this.decode(index)));
    return value;
  }
}

/**
 * A data page's bytes, decompressed as far as they are read (`partly`: the rows wanted end
 * before the page does), else at once; zstd output is valid until the next page of the same slot.
 */
function prefix(pages: ZstdPages, body: Uint8Array, size: number, codec: string, partly: boolean): PagePrefix {
  if (codec === Codec.UNCOMPRESSED) return whole(body);
  return partly ? pages.prefix(body, size, DATA_SLOT) : whole(pages.decompress(body, size, DATA_SLOT));
}

function whole(page: Uint8Array): PagePrefix {
  return { upTo: () => page };
}

/** A page's bytes; zstd output is valid until the next page of the same slot. */
function decompress(pages: ZstdPages, body: Uint8Array, size: number, codec: string, slot: number): Uint8Array {
  if (codec === Codec.UNCOMPRESSED) return body;
  return pages.decompress(body, size, slot);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
