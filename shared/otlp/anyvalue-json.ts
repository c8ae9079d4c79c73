/**
 * Protobuf AnyValue / KeyValue → OTLP/JSON bytes with typed values, written while reading
 * (no intermediate objects): `{"key":"k","value":{"intValue":"3"}}`. intValue is a decimal
 * string (exact int64), doubleValue a number ("NaN" / "Infinity" / "-Infinity" strings for
 * non-finite values, as in the protobuf JSON mapping), bytesValue base64, arrays and
 * kvlists nested as `{"arrayValue":{"values":[…]}}` / `{"kvlistValue":{"values":[…]}}`.
 * An AnyValue with no member set is `{}`.
 */
import { ByteSink } from "./byte-sink.ts";
import { bytesToBase64 } from "./hex.ts";
import { MAX_ANYVALUE_DEPTH } from "./limits.ts";
import { int64ToDecimal, type WireReader } from "./wire-reader.ts";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const EMPTY_VALUE = utf8("{}");
const TRUE = utf8('{"boolValue":true}');
const FALSE = utf8('{"boolValue":false}');
const STRING_OPEN = utf8('{"stringValue":');
const INT_OPEN = utf8('{"intValue":"');
const QUOTE_CLOSE = utf8('"}');
const DOUBLE_OPEN = utf8('{"doubleValue":');
const ARRAY_OPEN = utf8('{"arrayValue":{"values":[');
const KVLIST_OPEN = utf8('{"kvlistValue":{"values":[');
const LIST_CLOSE = utf8("]}}");
const BYTES_OPEN = utf8('{"bytesValue":"');
const KEY_OPEN = utf8('{"key":');
const VALUE_OPEN = utf8(',"value":');

/** JSON number text of a double, with the protobuf JSON spelling of non-finite values. */
export function doubleJson(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

// AnyValue oneof members (tag = field << 3 | wire type).
const STRING = (1 << 3) | 2;
const BOOL = (2 << 3) | 0;
const INT = (3 << 3) | 0;
const DOUBLE = (4 << 3) | 1;
const ARRAY = (5 << 3) | 2;
const KVLIST = (6 << 3) | 2;
const BYTES = (7 << 3) | 2;

/**
 * Writes the AnyValue whose body is r.buf[r.pos, end). `depth` is its nesting level (1 for
 * an attribute's or a body's value); past MAX_ANYVALUE_DEPTH the whole request is refused,
 * at the same depth whatever the stack has left.
 */
export function writeAnyValue(r: WireReader, end: number, out: ByteSink, depth = 1): void {
  if (depth > MAX_ANYVALUE_DEPTH) r.fail(`value nested deeper than ${MAX_ANYVALUE_DEPTH} levels`);
  // Oneof: the last member on the wire wins, as in every protobuf decoder.
  let member = 0;
  let start = 0;
  let stop = 0;
  let lo = 0;
  let hi = 0;
  let d = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case STRING: case ARRAY: case KVLIST: case BYTES:
        stop = r.delimitedEnd();
        start = r.pos;
        r.pos = stop;
        member = tag;
        break;
      case BOOL: case INT:
        r.varint64();
        lo = r.lo;
        hi = r.hi;
        member = tag;
        break;
      case DOUBLE:
        d = r.double();
        member = tag;
        break;
      default:
        r.skip(tag & 7);
    }
  }
  r.expectEnd(end);
  switch (member) {
    case STRING:
      out.raw(STRING_OPEN);
      out.jsonString(r.buf, start, stop);
      out.byte(0x7d);
      return;
    case BOOL:
      out.raw(lo !== 0 || hi !== 0 ? TRUE : FALSE);
      return;
    case INT:
      out.raw(INT_OPEN);
      out.ascii(int64ToDecimal(lo, hi));
      out.raw(QUOTE_CLOSE);
      return;
    case DOUBLE:
      out.raw(DOUBLE_OPEN);
      out.ascii(doubleJson(d));
      out.byte(0x7d);
      return;
    case ARRAY:
    case KVLIST:
      out.raw(member === ARRAY ? ARRAY_OPEN : KVLIST_OPEN);
      r.pos = start;
      writeValues(r, stop, out, depth + 1, member === ARRAY ? writeAnyValue : writeNestedKeyValue);
      r.pos = end;
      out.raw(LIST_CLOSE);
      return;
    case BYTES:
      out.raw(BYTES_OPEN);
      out.ascii(bytesToBase64(r.buf.subarray(start, stop)));
      out.raw(QUOTE_CLOSE);
      return;
    default:
      out.raw(EMPTY_VALUE);
  }
}

/** The `values` (field 1) of an ArrayValue / KeyValueList, comma-separated. */
function writeValues(r: WireReader, end: number, out: ByteSink, depth: number, item: (r: WireReader, end: number, out: ByteSink, depth: number) => void): void {
  let first = true;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) {
      const e = r.delimitedEnd();
      if (!first) out.byte(0x2c);
      first = false;
      item(r, e, out, depth);
    } else r.skip(tag & 7);
  }
  r.expectEnd(end);
}

/** Where a KeyValue just written came from and went: its key in the request, its value's JSON in the sink. */
export interface WrittenKeyValue {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
  /** The value's size in the request (its AnyValue encoding; 0 when absent): what attribute limits measure. */
  valueBytes: number;
}

function writeNestedKeyValue(r: WireReader, end: number, out: ByteSink, depth: number): void {
  writeKeyValue(r, end, out, undefined, depth);
}

/**
 * Writes the KeyValue whose body is r.buf[r.pos, end). A missing value is `{}`. `written`,
 * when given, is told where its key and value JSON lie. `depth`: that of its value.
 */
export function writeKeyValue(r: WireReader, end: number, out: ByteSink, written?: WrittenKeyValue, depth = 1): void {
  let keyStart = 0;
  let keyEnd = 0;
  let valueStart = -1;
  let valueEnd = -1;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) {
      keyEnd = r.delimitedEnd();
      keyStart = r.pos;
      r.pos = keyEnd;
    } else if (tag === ((2 << 3) | 2)) {
      valueEnd = r.delimitedEnd();
      valueStart = r.pos;
      r.pos = valueEnd;
    } else r.skip(tag & 7);
  }
  r.expectEnd(end);
  out.raw(KEY_OPEN);
  out.jsonString(r.buf, keyStart, keyEnd);
  out.raw(VALUE_OPEN);
  const jsonStart = out.pos;
  if (valueStart < 0) out.raw(EMPTY_VALUE);
  else {
    r.pos = valueStart;
    writeAnyValue(r, valueEnd, out, depth);
    r.pos = end;
  }
  if (written) {
    written.keyStart = keyStart;
    written.keyEnd = keyEnd;
    written.valueStart = jsonStart;
    written.valueEnd = out.pos;
    written.valueBytes = valueStart < 0 ? 0 : valueEnd - valueStart;
  }
  out.byte(0x7d);
}

/**
 * Reads one occurrence of a repeated KeyValue field at r.pos (occurrences may be
 * interleaved with other fields) and writes it, preceded by a comma unless `first`.
 */
export function appendKeyValue(r: WireReader, out: ByteSink, first: boolean, written?: WrittenKeyValue): void {
  const e = r.delimitedEnd();
  if (!first) out.byte(0x2c);
  writeKeyValue(r, e, out, written);
}

/**
 * Collects a repeated KeyValue field into a JSON array string (for values decoded once per
 * resource / scope / metric point, where a string is handier than bytes).
 */
export class KeyValueListText {
  private readonly sink = new ByteSink(256);
  private readonly written: WrittenKeyValue = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0, valueBytes: 0 };
  count = 0;
  /** The largest value's size in the request (attribute-limits.ts). */
  largestValue = 0;

  add(r: WireReader): void {
    appendKeyValue(r, this.sink, this.count++ === 0, this.written);
    if (this.written.valueBytes > this.largestValue) this.largestValue = this.written.valueBytes;
  }

  text(): string {
    return `[${this.sink.take()}]`;
  }
}
