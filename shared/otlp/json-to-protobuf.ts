/**
 * OTLP/JSON document → protobuf wire bytes, driven by the protobufjs reflection of the
 * OTLP protos. Used for JSON requests (re-encoded, then decoded by the same wire decoder as
 * protobuf requests, so both formats give identical rows) and for protobuf query answers.
 *
 * Follows the OTLP/JSON mapping: lowerCamelCase keys (original snake_case accepted too),
 * trace/span ids as hex, enums as integers or names, 64-bit integers as decimal strings or
 * numbers, other bytes as base64, unknown keys ignored. Every present key is written, even
 * a default value, because oneof members (`{"stringValue": ""}`) and proto3 `optional`
 * fields must keep their presence.
 */
import protobuf from "protobufjs";
import { OtlpDecodeError } from "./errors.ts";
import { base64ToBytes, hexToBytes } from "./hex.ts";
import { MAX_ANYVALUE_DEPTH } from "./limits.ts";

/** Fields whose bytes are hex in OTLP/JSON (span, link, log record and exemplar ids). */
const HEX_ID_FIELDS = new Set(["trace_id", "span_id", "parent_span_id"]);

const WIRE_TYPE: Record<string, number> = {
  double: 1, fixed64: 1, sfixed64: 1,
  float: 5, fixed32: 5, sfixed32: 5,
  int32: 0, uint32: 0, sint32: 0, int64: 0, uint64: 0, sint64: 0, bool: 0,
  string: 2, bytes: 2,
};

const camel = (snake: string): string => snake.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());

const fieldMaps = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** JSON key (camelCase and original name) → field. */
function fieldsByJsonKey(type: protobuf.Type): Map<string, protobuf.Field> {
  let map = fieldMaps.get(type);
  if (!map) {
    map = new Map();
    for (const field of type.fieldsArray) {
      field.resolve();
      map.set(camel(field.name), field);
      map.set(field.name, field);
    }
    fieldMaps.set(type, map);
  }
  return map;
}

/** Encodes `doc` (an OTLP/JSON value of message `type`) as protobuf. */
export function otlpJsonToProtobuf(type: protobuf.Type, doc: unknown): Uint8Array<ArrayBuffer> {
  const w = protobuf.Writer.create();
  writeMessage(w, type, doc, type.name, 0);
  // Backed by an ordinary ArrayBuffer (possibly a pooled Buffer slab), never a SharedArrayBuffer.
  return w.finish() as Uint8Array<ArrayBuffer>;
}

/**
 * `anyValueDepth`: how many AnyValues enclose this message (AnyValue is the only recursive
 * OTLP type), capped as the protobuf decoder caps it so both formats refuse the same depth.
 */
function writeMessage(w: protobuf.Writer, type: protobuf.Type, value: unknown, path: string, anyValueDepth: number): void {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new OtlpDecodeError(`${path}: expected a JSON object`);
  const depth = type.name === "AnyValue" ? anyValueDepth + 1 : anyValueDepth;
  if (depth > MAX_ANYVALUE_DEPTH) throw new OtlpDecodeError(`${path}: value nested deeper than ${MAX_ANYVALUE_DEPTH} levels`);
  const fields = fieldsByJsonKey(type);
  for (const key in value) {
    const field = fields.get(key);
    const v = (value as Record<string, unknown>)[key];
    if (!field || v === null || v === undefined) continue;
    const p = `${path}.${key}`;
    if (field.repeated) {
      if (!Array.isArray(v)) throw new OtlpDecodeError(`${p}: expected a JSON array`);
      if (WIRE_TYPE[field.type] !== undefined && field.type !== "string" && field.type !== "bytes") {
        // Packed, as proto3 encoders write repeated numbers.
        w.uint32((field.id << 3) | 2).fork();
        for (let i = 0; i < v.length; i++) writeScalar(w, field, v[i], `${p}[${i}]`);
        w.ldelim();
      } else {
        for (let i = 0; i < v.length; i++) writeField(w, field, v[i], `${p}[${i}]`, depth);
      }
    } else writeField(w, field, v, p, depth);
  }
}

function writeField(w: protobuf.Writer, field: protobuf.Field, v: unknown, path: string, anyValueDepth: number): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    w.uint32((field.id << 3) | 2).fork();
    writeMessage(w, resolved, v, path, anyValueDepth);
    w.ldelim();
    return;
  }
  if (resolved instanceof protobuf.Enum) {
    w.uint32(field.id << 3).int32(enumNumber(resolved, v, path));
    return;
  }
  const wire = WIRE_TYPE[field.type];
  if (wire === undefined) throw new OtlpDecodeError(`${path}: unsupported field type ${field.type}`);
  w.uint32((field.id << 3) | wire);
  writeScalar(w, field, v, path);
}

function enumNumber(e: protobuf.Enum, v: unknown, path: string): number {
  if (typeof v === "number" && Number.isInteger(v)) return toInt32(v, path, INT32);
  if (typeof v === "string" && e.values[v] !== undefined) return e.values[v];
  throw new OtlpDecodeError(`${path}: ${JSON.stringify(v)} is not a value of ${e.name}`);
}

/** Writes the value only (the tag, if any, is already written). */
function writeScalar(w: protobuf.Writer, field: protobuf.Field, v: unknown, path: string): void {
  switch (field.type) {
    case "string":
      if (typeof v !== "string") throw new OtlpDecodeError(`${path}: expected a string`);
      w.string(v);
      return;
    case "bool":
      if (typeof v !== "boolean") throw new OtlpDecodeError(`${path}: expected true or false`);
      w.bool(v);
      return;
    case "bytes":
      if (typeof v !== "string") throw new OtlpDecodeError(`${path}: expected a string`);
      w.bytes(HEX_ID_FIELDS.has(field.name) ? hexToBytes(v, path) : base64ToBytes(v, path));
      return;
    case "double":
      w.double(toDouble(v, path));
      return;
    case "float":
      w.float(toDouble(v, path));
      return;
    case "int32":
      w.int32(toInt32(v, path, INT32));
      return;
    case "sint32":
      w.sint32(toInt32(v, path, INT32));
      return;
    case "sfixed32":
      w.sfixed32(toInt32(v, path, INT32));
      return;
    case "uint32":
      w.uint32(toInt32(v, path, UINT32));
      return;
    case "fixed32":
      w.fixed32(toInt32(v, path, UINT32));
      return;
    case "int64":
      w.uint64(toLongBits(v, path, INT64));
      return;
    case "uint64":
      w.uint64(toLongBits(v, path, UINT64));
      return;
    case "sint64":
      w.sint64(toLongBits(v, path, INT64));
      return;
    case "fixed64":
      w.fixed64(toLongBits(v, path, UINT64));
      return;
    case "sfixed64":
      w.fixed64(toLongBits(v, path, INT64));
      return;
    default:
      throw new OtlpDecodeError(`${path}: unsupported field type ${field.type}`);
  }
}

function toDouble(v: unknown, path: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    if (v === "NaN") return Number.NaN;
    if (v === "Infinity") return Number.POSITIVE_INFINITY;
    if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
    const n = Number(v);
    if (v.trim() !== "" && !Number.isNaN(n)) return n;
  }
  throw new OtlpDecodeError(`${path}: expected a number`);
}

/** An integer type's inclusive range and its name in error messages. */
interface IntRange {
  name: string;
  min: bigint;
  max: bigint;
}
const INT32: IntRange = { name: "int32", min: -(1n << 31n), max: (1n << 31n) - 1n };
const UINT32: IntRange = { name: "uint32", min: 0n, max: (1n << 32n) - 1n };
const INT64: IntRange = { name: "int64", min: -(1n << 63n), max: (1n << 63n) - 1n };
const UINT64: IntRange = { name: "uint64", min: 0n, max: (1n << 64n) - 1n };

/** Out-of-range integers are refused, never wrapped: `"-5"` is no uint64, `2^64 + 1` no 1. */
function checkRange(n: bigint, range: IntRange, path: string): void {
  if (n < range.min || n > range.max) throw new OtlpDecodeError(`${path}: ${n} is outside the ${range.name} range`);
}

function toInt32(v: unknown, path: string, range: IntRange): number {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) throw new OtlpDecodeError(`${path}: expected an integer`);
  checkRange(BigInt(n), range, path);
  return n;
}

/** What protobufjs' 64-bit writers are typed to take (number | string | Long). */
type WriterLong = Parameters<protobuf.Writer["fixed64"]>[0];

/**
 * int64 as decimal string or JSON number → `{low, high}` words. protobufjs' writers accept
 * any object with low/high (LongBits.from), which keeps all 64 bits without a Long library.
 */
function toLongBits(v: unknown, path: string, range: IntRange): WriterLong {
  let big: bigint;
  try {
    if (typeof v === "string" && /^-?\d+$/.test(v)) big = BigInt(v);
    else if (typeof v === "number" && Number.isInteger(v)) big = BigInt(v);
    else throw new Error();
  } catch {
    throw new OtlpDecodeError(`${path}: expected a 64-bit integer (decimal string or number)`);
  }
  checkRange(big, range, path);
  const u = BigInt.asUintN(64, big);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0 } as unknown as WriterLong;
}
