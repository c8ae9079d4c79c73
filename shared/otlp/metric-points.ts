/**
 * Readers for the five OTLP data point messages (and exemplars). Each returns one
 * MetricPoint: the scalar columns plus the point's shape as OTLP/JSON text
 * (`distribution`, `exemplars`).
 */
import { doubleJson, KeyValueListText } from "./anyvalue-json.ts";
import { bytesToHex } from "./hex.ts";
import { int64ToDecimal, uint64ToDecimal, WIRE_I64, WIRE_LEN, WIRE_VARINT, type WireReader } from "./wire-reader.ts";

export interface MetricPoint {
  attributes: string;
  /** How many attributes, and the largest value's size in the request (attribute-limits.ts). */
  attributeCount: number;
  largestAttributeValue: number;
  startLo: number;
  startHi: number;
  timeLo: number;
  timeHi: number;
  valueDouble: number | undefined;
  /** Words of as_int / count when `hasValueInt` / `hasCount`. */
  hasValueInt: boolean;
  valueIntLo: number;
  valueIntHi: number;
  hasCount: boolean;
  countLo: number;
  countHi: number;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  distribution: string;
  exemplars: string;
  flags: number;
}

function setAttributes(p: MetricPoint, attrs: KeyValueListText): void {
  p.attributes = attrs.text();
  p.attributeCount = attrs.count;
  p.largestAttributeValue = attrs.largestValue;
}

/** A point with every field unset (no value, no count, empty JSON lists). */
export function newPoint(): MetricPoint {
  return {
    attributes: "[]", attributeCount: 0, largestAttributeValue: 0, startLo: 0, startHi: 0, timeLo: 0, timeHi: 0,
    valueDouble: undefined, hasValueInt: false, valueIntLo: 0, valueIntHi: 0,
    hasCount: false, countLo: 0, countHi: 0,
    sum: undefined, min: undefined, max: undefined, distribution: "", exemplars: "[]", flags: 0,
  };
}

/** Fields shared by every data point kind: times (2, 3). Returns false if not one of them. */
function readTime(r: WireReader, tag: number, p: MetricPoint): boolean {
  if (tag === ((2 << 3) | WIRE_I64)) {
    r.fixed64();
    p.startLo = r.lo;
    p.startHi = r.hi;
    return true;
  }
  if (tag === ((3 << 3) | WIRE_I64)) {
    r.fixed64();
    p.timeLo = r.lo;
    p.timeHi = r.hi;
    return true;
  }
  return false;
}

function appendJson(acc: string, item: string): string {
  return acc === "" ? item : `${acc},${item}`;
}

export function readNumberPoint(r: WireReader, end: number): MetricPoint {
  const p = newPoint();
  const attrs = new KeyValueListText();
  let exemplars = "";
  while (r.pos < end) {
    const tag = r.uint32();
    if (readTime(r, tag, p)) continue;
    switch (tag) {
      case (7 << 3) | WIRE_LEN: attrs.add(r); break;
      case (4 << 3) | WIRE_I64: p.valueDouble = r.double(); p.hasValueInt = false; break;
      case (6 << 3) | WIRE_I64: r.fixed64(); p.hasValueInt = true; p.valueIntLo = r.lo; p.valueIntHi = r.hi; p.valueDouble = undefined; break;
      case (5 << 3) | WIRE_LEN: exemplars = appendJson(exemplars, readExemplarJson(r, r.delimitedEnd())); break;
      case (8 << 3) | WIRE_VARINT: p.flags = r.uint32(); break;
      default: r.skip(tag & 7);
    }
  }
  setAttributes(p, attrs);
  p.exemplars = `[${exemplars}]`;
  return p;
}

export function readHistogramPoint(r: WireReader, end: number): MetricPoint {
  const p = newPoint();
  const attrs = new KeyValueListText();
  let exemplars = "";
  const buckets: string[] = [];
  const bounds: string[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (readTime(r, tag, p)) continue;
    switch (tag) {
      case (9 << 3) | WIRE_LEN: attrs.add(r); break;
      case (4 << 3) | WIRE_I64: r.fixed64(); p.hasCount = true; p.countLo = r.lo; p.countHi = r.hi; break;
      case (5 << 3) | WIRE_I64: p.sum = r.double(); break;
      case (6 << 3) | WIRE_LEN: readPacked(r, () => { r.fixed64(); buckets.push(`"${uint64ToDecimal(r.lo, r.hi)}"`); }); break;
      case (6 << 3) | WIRE_I64: r.fixed64(); buckets.push(`"${uint64ToDecimal(r.lo, r.hi)}"`); break;
      case (7 << 3) | WIRE_LEN: readPacked(r, () => bounds.push(doubleJson(r.double()))); break;
      case (7 << 3) | WIRE_I64: bounds.push(doubleJson(r.double())); break;
      case (8 << 3) | WIRE_LEN: exemplars = appendJson(exemplars, readExemplarJson(r, r.delimitedEnd())); break;
      case (10 << 3) | WIRE_VARINT: p.flags = r.uint32(); break;
      case (11 << 3) | WIRE_I64: p.min = r.double(); break;
      case (12 << 3) | WIRE_I64: p.max = r.double(); break;
      default: r.skip(tag & 7);
    }
  }
  p.hasCount = true;
  setAttributes(p, attrs);
  p.exemplars = `[${exemplars}]`;
  p.distribution = `{"bucketCounts":[${buckets.join(",")}],"explicitBounds":[${bounds.join(",")}]}`;
  return p;
}

export function readExponentialHistogramPoint(r: WireReader, end: number): MetricPoint {
  const p = newPoint();
  const attrs = new KeyValueListText();
  let exemplars = "";
  let scale = 0;
  let zeroCount = "0";
  let zeroThreshold = 0;
  let positive = EMPTY_BUCKETS;
  let negative = EMPTY_BUCKETS;
  while (r.pos < end) {
    const tag = r.uint32();
    if (readTime(r, tag, p)) continue;
    switch (tag) {
      case (1 << 3) | WIRE_LEN: attrs.add(r); break;
      case (4 << 3) | WIRE_I64: r.fixed64(); p.countLo = r.lo; p.countHi = r.hi; break;
      case (5 << 3) | WIRE_I64: p.sum = r.double(); break;
      case (6 << 3) | WIRE_VARINT: scale = zigzag32(r.uint32()); break;
      case (7 << 3) | WIRE_I64: r.fixed64(); zeroCount = uint64ToDecimal(r.lo, r.hi); break;
      case (8 << 3) | WIRE_LEN: positive = readBucketsJson(r, r.delimitedEnd()); break;
      case (9 << 3) | WIRE_LEN: negative = readBucketsJson(r, r.delimitedEnd()); break;
      case (10 << 3) | WIRE_VARINT: p.flags = r.uint32(); break;
      case (11 << 3) | WIRE_LEN: exemplars = appendJson(exemplars, readExemplarJson(r, r.delimitedEnd())); break;
      case (12 << 3) | WIRE_I64: p.min = r.double(); break;
      case (13 << 3) | WIRE_I64: p.max = r.double(); break;
      case (14 << 3) | WIRE_I64: zeroThreshold = r.double(); break;
      default: r.skip(tag & 7);
    }
  }
  p.hasCount = true;
  setAttributes(p, attrs);
  p.exemplars = `[${exemplars}]`;
  p.distribution =
    `{"scale":${scale},"zeroCount":"${zeroCount}","zeroThreshold":${doubleJson(zeroThreshold)},` +
    `"positive":${positive},"negative":${negative}}`;
  return p;
}

const EMPTY_BUCKETS = '{"offset":0,"bucketCounts":[]}';

function readBucketsJson(r: WireReader, end: number): string {
  let offset = 0;
  const counts: string[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_VARINT)) offset = zigzag32(r.uint32());
    else if (tag === ((2 << 3) | WIRE_LEN)) readPacked(r, () => { r.varint64(); counts.push(`"${uint64ToDecimal(r.lo, r.hi)}"`); });
    else if (tag === ((2 << 3) | WIRE_VARINT)) { r.varint64(); counts.push(`"${uint64ToDecimal(r.lo, r.hi)}"`); }
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return `{"offset":${offset},"bucketCounts":[${counts.join(",")}]}`;
}

export function readSummaryPoint(r: WireReader, end: number): MetricPoint {
  const p = newPoint();
  const attrs = new KeyValueListText();
  const quantiles: string[] = [];
  let sum = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (readTime(r, tag, p)) continue;
    switch (tag) {
      case (7 << 3) | WIRE_LEN: attrs.add(r); break;
      case (4 << 3) | WIRE_I64: r.fixed64(); p.countLo = r.lo; p.countHi = r.hi; break;
      case (5 << 3) | WIRE_I64: sum = r.double(); break;
      case (6 << 3) | WIRE_LEN: quantiles.push(readQuantileJson(r, r.delimitedEnd())); break;
      case (8 << 3) | WIRE_VARINT: p.flags = r.uint32(); break;
      default: r.skip(tag & 7);
    }
  }
  p.hasCount = true;
  p.sum = sum; // a plain proto3 double: always present
  setAttributes(p, attrs);
  p.distribution = `{"quantileValues":[${quantiles.join(",")}]}`;
  return p;
}

function readQuantileJson(r: WireReader, end: number): string {
  let quantile = 0;
  let value = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_I64)) quantile = r.double();
    else if (tag === ((2 << 3) | WIRE_I64)) value = r.double();
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return `{"quantile":${doubleJson(quantile)},"value":${doubleJson(value)}}`;
}

/** Exemplar → `{"filteredAttributes":[…],"timeUnixNano":"…"(,"asDouble"|"asInt")(,"spanId")(,"traceId")}`. */
function readExemplarJson(r: WireReader, end: number): string {
  const attrs = new KeyValueListText();
  let time = "0";
  let value = "";
  let spanId = "";
  let traceId = "";
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (7 << 3) | WIRE_LEN: attrs.add(r); break;
      case (2 << 3) | WIRE_I64: r.fixed64(); time = uint64ToDecimal(r.lo, r.hi); break;
      case (3 << 3) | WIRE_I64: value = `,"asDouble":${doubleJson(r.double())}`; break;
      case (6 << 3) | WIRE_I64: r.fixed64(); value = `,"asInt":"${int64ToDecimal(r.lo, r.hi)}"`; break;
      case (4 << 3) | WIRE_LEN: spanId = bytesToHex(r.bytes()); break;
      case (5 << 3) | WIRE_LEN: traceId = bytesToHex(r.bytes()); break;
      default: r.skip(tag & 7);
    }
  }
  r.expectEnd(end);
  let json = `{"filteredAttributes":${attrs.text()},"timeUnixNano":"${time}"${value}`;
  if (spanId !== "") json += `,"spanId":"${spanId}"`;
  if (traceId !== "") json += `,"traceId":"${traceId}"`;
  return `${json}}`;
}

/** Reads a packed repeated scalar: `item` is called until the delimited bytes are used up. */
function readPacked(r: WireReader, item: () => void): void {
  const end = r.delimitedEnd();
  while (r.pos < end) item();
  r.expectEnd(end);
}

function zigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}
