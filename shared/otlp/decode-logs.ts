/**
 * ExportLogsServiceRequest (protobuf wire bytes) → rows of the `logs` table.
 */
import { appendKeyValue, writeAnyValue, type WrittenKeyValue } from "./anyvalue-json.ts";
import type { AttributeLimits } from "./attribute-limits.ts";
import { buildRecordBatch, Int32Builder, Int64Builder, RepeatedUtf8Column, Utf8Column } from "./columns.ts";
import { contextColumns, pushContext } from "./context-columns.ts";
import { contextProblem, forEachItem, type ResourceContext, type ScopeContext } from "./context.ts";
import { int32CountProblem, TimeCheck } from "./limits.ts";
import { Rejections } from "./rejections.ts";
import type { Schema } from "apache-arrow";
import { logsSchema } from "../tables/index.ts";
import type { DecodedRows } from "./types.ts";
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from "./wire-reader.ts";

/** Log ids are optional: empty (or all zeroes, i.e. unset) is fine, another length is not. */
function logIdProblem(traceIdLength: number, spanIdLength: number): string | undefined {
  if (traceIdLength !== 0 && traceIdLength !== 16) return `trace_id must be empty or 16 bytes (got ${traceIdLength})`;
  if (spanIdLength !== 0 && spanIdLength !== 8) return `span_id must be empty or 8 bytes (got ${spanIdLength})`;
  return undefined;
}

/** Writes an id as hex, or nothing when it is absent or all zeroes (= unset). */
function writeIdHex(out: Utf8Column, buf: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    if (buf[i] !== 0) {
      out.hex(buf, start, end);
      break;
    }
  }
  out.endRow();
}

/** `times`: the window record times must lie in (limits.ts). */
export function decodeLogsProtobuf(body: Uint8Array, batchId: string, schema: Schema = logsSchema, times = new TimeCheck(), limits?: AttributeLimits): DecodedRows {
  const c = {
    batch_id: new RepeatedUtf8Column(),
    time_unix_nano: new Int64Builder(),
    observed_time_unix_nano: new Int64Builder(),
    severity_number: new Int32Builder(),
    severity_text: new Utf8Column(),
    body: new Utf8Column(body.length + 4096),
    attributes: new Utf8Column(body.length * 2 + 4096),
    dropped_attributes_count: new Int32Builder(),
    flags: new Int64Builder(),
    trace_id: new Utf8Column(),
    span_id: new Utf8Column(),
    event_name: new Utf8Column(),
    ...contextColumns(),
  };
  const batchIdBytes = new TextEncoder().encode(batchId);
  const rejected = new Rejections();
  const written: WrittenKeyValue = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0, valueBytes: 0 };
  let accepted = 0;

  const visitLogRecord = (r: WireReader, end: number, res: ResourceContext, scope: ScopeContext): void => {
    const buf = r.buf;
    let timeLo = 0, timeHi = 0, observedLo = 0, observedHi = 0;
    let severityNumber = 0;
    let sevStart = 0, sevEnd = 0, eventStart = 0, eventEnd = 0;
    let bodyStart = -1, bodyEnd = -1;
    let droppedAttrs = 0;
    let flags = 0;
    let t0 = 0, t1 = 0, s0 = 0, s1 = 0;
    const attrsMark = c.attributes.pos;
    c.attributes.byte(0x5b);
    let nAttrs = 0;
    let largestValue = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case (1 << 3) | WIRE_I64: r.fixed64(); timeLo = r.lo; timeHi = r.hi; break;
        case (11 << 3) | WIRE_I64: r.fixed64(); observedLo = r.lo; observedHi = r.hi; break;
        case (2 << 3) | WIRE_VARINT: severityNumber = r.uint32() | 0; break;
        case (3 << 3) | WIRE_LEN: sevEnd = r.delimitedEnd(); sevStart = r.pos; r.pos = sevEnd; break;
        case (5 << 3) | WIRE_LEN: bodyEnd = r.delimitedEnd(); bodyStart = r.pos; r.pos = bodyEnd; break;
        case (6 << 3) | WIRE_LEN:
          appendKeyValue(r, c.attributes, nAttrs++ === 0, written);
          if (written.valueBytes > largestValue) largestValue = written.valueBytes;
          break;
        case (7 << 3) | WIRE_VARINT: droppedAttrs = r.uint32(); break;
        case (8 << 3) | WIRE_I32: flags = r.fixed32(); break;
        case (9 << 3) | WIRE_LEN: t1 = r.delimitedEnd(); t0 = r.pos; r.pos = t1; break;
        case (10 << 3) | WIRE_LEN: s1 = r.delimitedEnd(); s0 = r.pos; r.pos = s1; break;
        case (12 << 3) | WIRE_LEN: eventEnd = r.delimitedEnd(); eventStart = r.pos; r.pos = eventEnd; break;
        default: r.skip(tag & 7);
      }
    }
    const problem =
      logIdProblem(t1 - t0, s1 - s0) ??
      times.problem("time_unix_nano", timeLo, timeHi) ??
      times.problem("observed_time_unix_nano", observedLo, observedHi) ??
      int32CountProblem("dropped_attributes_count", droppedAttrs) ??
      contextProblem(res, scope) ??
      limits?.problem(nAttrs, largestValue);
    if (problem !== undefined) {
      c.attributes.pos = attrsMark;
      rejected.add(problem);
      return;
    }
    accepted++;
    c.attributes.byte(0x5d);
    c.attributes.endRow();
    // No body field = "" (absent); a present but empty AnyValue = "{}".
    if (bodyStart >= 0) {
      r.pos = bodyStart;
      writeAnyValue(r, bodyEnd, c.body);
      r.pos = end;
    }
    c.body.endRow();
    c.batch_id.pushBytes(batchIdBytes);
    c.time_unix_nano.pushWords(timeLo, timeHi);
    c.observed_time_unix_nano.pushWords(observedLo, observedHi);
    c.severity_number.push(severityNumber);
    c.severity_text.plainString(buf, sevStart, sevEnd);
    c.severity_text.endRow();
    c.dropped_attributes_count.push(droppedAttrs);
    c.flags.pushWords(flags, 0);
    writeIdHex(c.trace_id, buf, t0, t1);
    writeIdHex(c.span_id, buf, s0, s1);
    c.event_name.plainString(buf, eventStart, eventEnd);
    c.event_name.endRow();
    pushContext(c, res, scope);
  };

  forEachItem(new WireReader(body), visitLogRecord);
  return { batch: accepted === 0 ? null : buildRecordBatch(schema, c), accepted, rejected };
}
