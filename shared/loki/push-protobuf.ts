/**
 * `logproto.PushRequest` (proto/loki/push.proto), the protobuf body of Loki push after
 * snappy, read field by field with the OTLP wire reader. Unknown fields are skipped, as
 * protobuf receivers must; `parsed` and the stream hash are ignored (Loki ignores them too).
 */
import { int64ToDecimal, WIRE_LEN, WIRE_VARINT, WireReader } from "../otlp/wire-reader.ts";
import { checkPushLabels, LokiPushError, parseLabelSet, type PushEntry, type PushStream } from "./push.ts";

const TAG = (field: number, wire: number) => (field << 3) | wire;

export function parsePushProtobuf(body: Uint8Array): PushStream[] {
  const r = new WireReader(body);
  const streams: PushStream[] = [];
  try {
    while (r.pos < body.length) {
      const tag = r.uint32();
      if (tag === TAG(1, WIRE_LEN)) streams.push(stream(r, r.delimitedEnd(), streams.length));
      else r.skip(tag & 7);
    }
  } catch (err) {
    if (err instanceof LokiPushError) throw err;
    throw new LokiPushError(`push body is not a logproto.PushRequest: ${(err as Error).message}`);
  }
  return streams;
}

function stream(r: WireReader, end: number, index: number): PushStream {
  let labels = "";
  const entries: PushEntry[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === TAG(1, WIRE_LEN)) labels = r.string();
    else if (tag === TAG(2, WIRE_LEN)) entries.push(entry(r, r.delimitedEnd()));
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return { labels: checkPushLabels(parseLabelSet(labels), index), entries };
}

function entry(r: WireReader, end: number): PushEntry {
  let seconds = 0n;
  let nanos = 0;
  let line = "";
  const metadata: [string, string][] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === TAG(1, WIRE_LEN)) {
      const tsEnd = r.delimitedEnd();
      while (r.pos < tsEnd) {
        const t = r.uint32();
        if (t === TAG(1, WIRE_VARINT)) {
          r.varint64();
          seconds = BigInt(int64ToDecimal(r.lo, r.hi));
        } else if (t === TAG(2, WIRE_VARINT)) nanos = r.uint32() | 0;
        else r.skip(t & 7);
      }
      r.expectEnd(tsEnd);
    } else if (tag === TAG(2, WIRE_LEN)) line = r.string();
    else if (tag === TAG(3, WIRE_LEN)) metadata.push(labelPair(r, r.delimitedEnd()));
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  const ns = seconds * 1_000_000_000n + BigInt(nanos);
  if (ns < 0n) throw new LokiPushError(`entry timestamp before 1970: ${seconds}s`);
  return { timeNs: ns.toString(), line, metadata };
}

function labelPair(r: WireReader, end: number): [string, string] {
  let name = "";
  let value = "";
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === TAG(1, WIRE_LEN)) name = r.string();
    else if (tag === TAG(2, WIRE_LEN)) value = r.string();
    else r.skip(tag & 7);
  }
  r.expectEnd(end);
  return [name, value];
}
