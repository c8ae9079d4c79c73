/**
 * ExportTraceServiceRequest (protobuf wire bytes) → rows of the `traces` table.
 * Strings, ids and the attributes / events / links JSON are written as bytes straight into
 * the Arrow columns (see byte-sink.ts); a span found invalid after reading is rolled back.
 */
import { appendKeyValue, type WrittenKeyValue } from "./anyvalue-json.ts";
import type { AttributeLimits } from "./attribute-limits.ts";
import type { ByteSink } from "./byte-sink.ts";
import { buildRecordBatch, Int32Builder, Int64Builder, RepeatedUtf8Column, Utf8Column } from "./columns.ts";
import { contextColumns, pushContext } from "./context-columns.ts";
import { DedicatedValues, hasDedicatedColumns, tracesSchema } from "../tables/index.ts";
import { contextProblem, forEachItem, type ResourceContext, type ScopeContext } from "./context.ts";
import { int32CountProblem, TimeCheck } from "./limits.ts";
import { Rejections } from "./rejections.ts";
import type { Schema } from "apache-arrow";
import type { DecodedRows } from "./types.ts";
import { uint64ToDecimal, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from "./wire-reader.ts";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function isZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Why a span's ids (byte ranges of `buf`) make it unusable, or undefined when they are valid. */
function spanIdProblem(buf: Uint8Array, t0: number, t1: number, s0: number, s1: number, p0: number, p1: number): string | undefined {
  if (t1 - t0 !== 16) return `trace_id must be 16 bytes (got ${t1 - t0})`;
  if (isZero(buf, t0, t1)) return "trace_id is all zeroes";
  if (s1 - s0 !== 8) return `span_id must be 8 bytes (got ${s1 - s0})`;
  if (isZero(buf, s0, s1)) return "span_id is all zeroes";
  if (p1 - p0 !== 0 && p1 - p0 !== 8) return `parent_span_id must be empty or 8 bytes (got ${p1 - p0})`;
  return undefined;
}

/** `textBytes`: initial size of the JSON text columns, sized from the request to avoid regrowth. */
function newColumns(textBytes: number) {
  return {
    batch_id: new RepeatedUtf8Column(),
    trace_id: new Utf8Column(),
    span_id: new Utf8Column(),
    parent_span_id: new Utf8Column(),
    trace_state: new Utf8Column(),
    name: new Utf8Column(),
    kind: new Int32Builder(),
    flags: new Int64Builder(),
    start_time_unix_nano: new Int64Builder(),
    end_time_unix_nano: new Int64Builder(),
    duration_nano: new Int64Builder(),
    status_code: new Int32Builder(),
    status_message: new Utf8Column(),
    attributes: new Utf8Column(textBytes),
    dropped_attributes_count: new Int32Builder(),
    events: new Utf8Column(textBytes >> 3),
    dropped_events_count: new Int32Builder(),
    links: new Utf8Column(textBytes >> 3),
    dropped_links_count: new Int32Builder(),
    ...contextColumns(),
  };
}

/**
 * `schema`: the table's, its wire form, or either with the dedicated attribute columns
 * (withDedicatedSchema), which are then filled from each span's attributes as they are written.
 * `times`: the window span and event times must lie in (limits.ts).
 */
export function decodeTracesProtobuf(body: Uint8Array, batchId: string, schema: Schema = tracesSchema, times = new TimeCheck(), limits?: AttributeLimits): DecodedRows {
  const c = newColumns(body.length * 2 + 4096);
  const dedicated = hasDedicatedColumns(schema) ? new DedicatedValues() : undefined;
  const written: WrittenKeyValue = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0, valueBytes: 0 };
  const batchIdBytes = utf8(batchId);
  const rejected = new Rejections();
  let accepted = 0;

  const visitSpan = (r: WireReader, end: number, res: ResourceContext, scope: ScopeContext): void => {
    const buf = r.buf;
    let t0 = 0, t1 = 0, s0 = 0, s1 = 0, p0 = 0, p1 = 0; // id byte ranges
    let stateStart = 0, stateEnd = 0, nameStart = 0, nameEnd = 0, msgStart = 0, msgEnd = 0;
    let flags = 0;
    let kind = 0;
    let startLo = 0, startHi = 0, endLo = 0, endHi = 0;
    let droppedAttrs = 0, droppedEvents = 0, droppedLinks = 0;
    let statusCode = 0;
    // attributes / events / links are written while reading; rolled back if the span is rejected.
    const attrsMark = c.attributes.pos;
    const eventsMark = c.events.pos;
    const linksMark = c.links.pos;
    c.attributes.byte(0x5b);
    c.events.byte(0x5b);
    c.links.byte(0x5b);
    let nAttrs = 0, nEvents = 0, nLinks = 0;
    let eventProblem: string | undefined;
    let largestValue = 0;
    dedicated?.beginRow();
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case (1 << 3) | WIRE_LEN: t1 = r.delimitedEnd(); t0 = r.pos; r.pos = t1; break;
        case (2 << 3) | WIRE_LEN: s1 = r.delimitedEnd(); s0 = r.pos; r.pos = s1; break;
        case (3 << 3) | WIRE_LEN: stateEnd = r.delimitedEnd(); stateStart = r.pos; r.pos = stateEnd; break;
        case (4 << 3) | WIRE_LEN: p1 = r.delimitedEnd(); p0 = r.pos; r.pos = p1; break;
        case (16 << 3) | WIRE_I32: flags = r.fixed32(); break;
        case (5 << 3) | WIRE_LEN: nameEnd = r.delimitedEnd(); nameStart = r.pos; r.pos = nameEnd; break;
        case (6 << 3) | WIRE_VARINT: kind = r.uint32() | 0; break;
        case (7 << 3) | WIRE_I64: r.fixed64(); startLo = r.lo; startHi = r.hi; break;
        case (8 << 3) | WIRE_I64: r.fixed64(); endLo = r.lo; endHi = r.hi; break;
        case (9 << 3) | WIRE_LEN:
          appendKeyValue(r, c.attributes, nAttrs++ === 0, written);
          if (written.valueBytes > largestValue) largestValue = written.valueBytes;
          dedicated?.offer(buf, written.keyStart, written.keyEnd, c.attributes.buf, written.valueStart, written.valueEnd);
          break;
        case (10 << 3) | WIRE_VARINT: droppedAttrs = r.uint32(); break;
        case (11 << 3) | WIRE_LEN: {
          const e = r.delimitedEnd();
          if (nEvents++ > 0) c.events.byte(0x2c);
          eventProblem ??= writeEvent(r, e, c.events, times);
          break;
        }
        case (12 << 3) | WIRE_VARINT: droppedEvents = r.uint32(); break;
        case (13 << 3) | WIRE_LEN: {
          const e = r.delimitedEnd();
          if (nLinks++ > 0) c.links.byte(0x2c);
          writeLink(r, e, c.links);
          break;
        }
        case (14 << 3) | WIRE_VARINT: droppedLinks = r.uint32(); break;
        case (15 << 3) | WIRE_LEN: {
          const e = r.delimitedEnd();
          while (r.pos < e) {
            const t = r.uint32();
            if (t === ((2 << 3) | WIRE_LEN)) { msgEnd = r.delimitedEnd(); msgStart = r.pos; r.pos = msgEnd; }
            else if (t === ((3 << 3) | WIRE_VARINT)) statusCode = r.uint32() | 0;
            else r.skip(t & 7);
          }
          r.expectEnd(e);
          break;
        }
        default: r.skip(tag & 7);
      }
    }
    const problem =
      spanIdProblem(buf, t0, t1, s0, s1, p0, p1) ??
      times.problem("start_time_unix_nano", startLo, startHi) ??
      times.problem("end_time_unix_nano", endLo, endHi) ??
      eventProblem ??
      int32CountProblem("dropped_attributes_count", droppedAttrs) ??
      int32CountProblem("dropped_events_count", droppedEvents) ??
      int32CountProblem("dropped_links_count", droppedLinks) ??
      contextProblem(res, scope) ??
      limits?.problem(nAttrs, largestValue);
    if (problem !== undefined) {
      c.attributes.pos = attrsMark;
      c.events.pos = eventsMark;
      c.links.pos = linksMark;
      rejected.add(problem);
      return;
    }
    accepted++;
    c.attributes.byte(0x5d);
    c.attributes.endRow();
    c.events.byte(0x5d);
    c.events.endRow();
    c.links.byte(0x5d);
    c.links.endRow();
    c.batch_id.pushBytes(batchIdBytes);
    c.trace_id.hex(buf, t0, t1);
    c.trace_id.endRow();
    c.span_id.hex(buf, s0, s1);
    c.span_id.endRow();
    c.parent_span_id.hex(buf, p0, p1);
    c.parent_span_id.endRow();
    c.trace_state.plainString(buf, stateStart, stateEnd);
    c.trace_state.endRow();
    c.name.plainString(buf, nameStart, nameEnd);
    c.name.endRow();
    c.kind.push(kind);
    c.flags.pushWords(flags, 0);
    c.start_time_unix_nano.pushWords(startLo, startHi);
    c.end_time_unix_nano.pushWords(endLo, endHi);
    // 64-bit subtraction on 32-bit words (exact, no BigInt).
    const borrow = endLo < startLo ? 1 : 0;
    c.duration_nano.pushWords((endLo - startLo) >>> 0, (endHi - startHi - borrow) >>> 0);
    c.status_code.push(statusCode);
    c.status_message.plainString(buf, msgStart, msgEnd);
    c.status_message.endRow();
    pushContext(c, res, scope);
    c.dropped_attributes_count.push(droppedAttrs);
    c.dropped_events_count.push(droppedEvents);
    c.dropped_links_count.push(droppedLinks);
    dedicated?.endRow();
  };

  forEachItem(new WireReader(body), visitSpan);
  const columns = dedicated ? { ...c, ...dedicated.columns() } : c;
  return { batch: accepted === 0 ? null : buildRecordBatch(schema, columns), accepted, rejected };
}

const EVENT_TIME = utf8('{"timeUnixNano":"');
const EVENT_NAME = utf8('","name":');
const ATTRIBUTES_OPEN = utf8(',"attributes":[');
const DROPPED = utf8(',"droppedAttributesCount":');

/**
 * Span.Event → `{"timeUnixNano":"…","name":"…","attributes":[…](,"droppedAttributesCount":n)}`.
 * Returns why its time is unacceptable (the span is then rejected), or undefined.
 */
function writeEvent(r: WireReader, end: number, out: ByteSink, times: TimeCheck): string | undefined {
  const start = r.pos;
  let timeLo = 0, timeHi = 0, nameStart = 0, nameEnd = 0, dropped = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_I64)) { r.fixed64(); timeLo = r.lo; timeHi = r.hi; }
    else if (tag === ((2 << 3) | WIRE_LEN)) { nameEnd = r.delimitedEnd(); nameStart = r.pos; r.pos = nameEnd; }
    else if (tag === ((4 << 3) | WIRE_VARINT)) dropped = r.uint32();
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  out.raw(EVENT_TIME);
  out.ascii(uint64ToDecimal(timeLo, timeHi));
  out.raw(EVENT_NAME);
  out.jsonString(r.buf, nameStart, nameEnd);
  writeAttributesPass(r, start, end, 3, out);
  if (dropped !== 0) {
    out.raw(DROPPED);
    out.ascii(String(dropped));
  }
  out.byte(0x7d);
  return times.problem("event time_unix_nano", timeLo, timeHi);
}

const LINK_TRACE = utf8('{"traceId":"');
const LINK_SPAN = utf8('","spanId":"');
const LINK_STATE = utf8('","traceState":');
const LINK_FLAGS = utf8(',"flags":');

/** Span.Link → `{"traceId":hex,"spanId":hex(,"traceState"),"attributes":[…](,"droppedAttributesCount")(,"flags")}`. */
function writeLink(r: WireReader, end: number, out: ByteSink): void {
  const start = r.pos;
  let t0 = 0, t1 = 0, s0 = 0, s1 = 0, stateStart = 0, stateEnd = 0, dropped = 0, flags = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) { t1 = r.delimitedEnd(); t0 = r.pos; r.pos = t1; }
    else if (tag === ((2 << 3) | WIRE_LEN)) { s1 = r.delimitedEnd(); s0 = r.pos; r.pos = s1; }
    else if (tag === ((3 << 3) | WIRE_LEN)) { stateEnd = r.delimitedEnd(); stateStart = r.pos; r.pos = stateEnd; }
    else if (tag === ((5 << 3) | WIRE_VARINT)) dropped = r.uint32();
    else if (tag === ((6 << 3) | WIRE_I32)) flags = r.fixed32();
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  out.raw(LINK_TRACE);
  out.hex(r.buf, t0, t1);
  out.raw(LINK_SPAN);
  out.hex(r.buf, s0, s1);
  if (stateEnd > stateStart) {
    out.raw(LINK_STATE);
    out.jsonString(r.buf, stateStart, stateEnd);
  } else out.byte(0x22);
  writeAttributesPass(r, start, end, 4, out);
  if (dropped !== 0) {
    out.raw(DROPPED);
    out.ascii(String(dropped));
  }
  if (flags !== 0) {
    out.raw(LINK_FLAGS);
    out.ascii(String(flags));
  }
  out.byte(0x7d);
}

/** Second pass over a message: writes `,"attributes":[…]` from its KeyValue field `field`. */
function writeAttributesPass(r: WireReader, start: number, end: number, field: number, out: ByteSink): void {
  out.raw(ATTRIBUTES_OPEN);
  const attrTag = (field << 3) | WIRE_LEN;
  let n = 0;
  r.pos = start;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === attrTag) appendKeyValue(r, out, n++ === 0);
    else r.skip(tag & 7);
  }
  out.byte(0x5d);
}
