/**
 * FlightData protobuf (de)serialisation for grpc-js, by hand, for the bulk path.
 *
 * Why not protobufjs: it needs the body as one byte array (Arrow joining the batch's buffers:
 * a full copy) and copies it into its output once more, and on the way in hands out bodies
 * at whatever offset they landed. Here:
 * - sending writes header and the batch's own column buffers straight into the one output
 *   buffer (a single copy), and pads `data_header` with zero bytes (the IPC stream format
 *   pads metadata the same way; flatbuffer readers ignore the tail) so that the body lands
 *   8-byte aligned after grpc-js's 5-byte frame prefix;
 * - receiving returns `data_header` / `data_body` as views into the received message: with
 *   an aligned body, Arrow reads the columns without copying them.
 * Unknown fields are skipped, as protobuf requires. Other messages keep protobufjs.
 */
import type { FlightDataMessage, FlightDescriptorMessage } from "./proto.ts";

const DESCRIPTOR_TYPES = ["UNKNOWN", "PATH", "CMD"] as const;

const TAG_DESCRIPTOR = (1 << 3) | 2;
const TAG_HEADER = (2 << 3) | 2;
const TAG_APP_METADATA = (3 << 3) | 2;
const TAG_BODY = (1000 << 3) | 2; // a 2-byte varint
/** grpc-js frames every message as [compressed flag][u32 length][message]. */
const GRPC_FRAME_PREFIX = 5;

/**
 * A FlightData whose body is still in pieces (the batch's buffers and their padding): the
 * serializer copies them into the wire buffer directly. `data_body` joins them on demand
 * for any other reader.
 */
export interface PartedFlightData extends FlightDataMessage {
  data_header: Uint8Array;
  readonly data_body: Uint8Array;
  readonly body_parts: readonly Uint8Array[];
  readonly body_length: number;
}

export function isParted(message: FlightDataMessage): message is PartedFlightData {
  return Array.isArray((message as Partial<PartedFlightData>).body_parts);
}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
const fieldSize = (tagSize: number, length: number) => tagSize + varintSize(length) + length;

function writeVarint(out: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[pos++] = value;
  return pos;
}

function encodeDescriptor(d: FlightDescriptorMessage): Buffer {
  const type = d.type === undefined ? 0 : DESCRIPTOR_TYPES.indexOf(d.type);
  const paths = (d.path ?? []).map((p) => Buffer.from(p, "utf8"));
  let size = type > 0 ? 2 : 0;
  if (d.cmd && d.cmd.length > 0) size += fieldSize(1, d.cmd.length);
  for (const p of paths) size += fieldSize(1, p.length);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  if (type > 0) {
    out[pos++] = (1 << 3) | 0;
    out[pos++] = type;
  }
  if (d.cmd && d.cmd.length > 0) {
    out[pos++] = (2 << 3) | 2;
    pos = writeVarint(out, pos, d.cmd.length);
    out.set(d.cmd, pos);
    pos += d.cmd.length;
  }
  for (const p of paths) {
    out[pos++] = (3 << 3) | 2;
    pos = writeVarint(out, pos, p.length);
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** grpc-js `serialize` for FlightData. */
export function serializeFlightData(message: FlightDataMessage): Buffer {
  const descriptor = message.flight_descriptor ? encodeDescriptor(message.flight_descriptor) : undefined;
  const header = message.data_header;
  const appMetadata = message.app_metadata;
  const parts = isParted(message) ? message.body_parts : message.data_body && message.data_body.length > 0 ? [message.data_body] : [];
  const bodyLength = isParted(message) ? message.body_length : (parts[0]?.length ?? 0);

  let before = descriptor ? fieldSize(1, descriptor.length) : 0;
  const after = (appMetadata?.length ? fieldSize(1, appMetadata.length) : 0) + (bodyLength > 0 ? 2 + varintSize(bodyLength) : 0);
  const headerLength = header?.length ?? 0;
  // Zero padding after the header flatbuffer that puts the body on an 8-byte boundary.
  let padding = 0;
  if (headerLength > 0 && bodyLength > 0) {
    while ((GRPC_FRAME_PREFIX + before + fieldSize(1, headerLength + padding) + after) % 8 !== 0) padding++;
  }
  if (headerLength > 0) before += fieldSize(1, headerLength + padding);

  const out = Buffer.allocUnsafe(before + after + bodyLength);
  let pos = 0;
  if (descriptor) {
    out[pos++] = TAG_DESCRIPTOR;
    pos = writeVarint(out, pos, descriptor.length);
    out.set(descriptor, pos);
    pos += descriptor.length;
  }
  if (header && headerLength > 0) {
    out[pos++] = TAG_HEADER;
    pos = writeVarint(out, pos, headerLength + padding);
    out.set(header, pos);
    pos += headerLength;
    out.fill(0, pos, pos + padding);
    pos += padding;
  }
  if (appMetadata && appMetadata.length > 0) {
    out[pos++] = TAG_APP_METADATA;
    pos = writeVarint(out, pos, appMetadata.length);
    out.set(appMetadata, pos);
    pos += appMetadata.length;
  }
  if (bodyLength > 0) {
    pos = writeVarint(out, pos, TAG_BODY);
    pos = writeVarint(out, pos, bodyLength);
    for (const part of parts) {
      out.set(part, pos);
      pos += part.length;
    }
  }
  if (pos !== out.length) throw new Error(`FlightData serializer wrote ${pos} of ${out.length} bytes`);
  return out;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint in FlightData");
      const b = this.buf[this.pos++]!;
      if (shift < 32) value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new Error("varint longer than 10 bytes in FlightData");
  }

  bytes(): Buffer {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.buf.length) throw new Error("length-delimited field runs past the end of FlightData");
    const view = this.buf.subarray(this.pos, end);
    this.pos = end;
    return view;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType} in FlightData`);
    if (this.pos > this.buf.length) throw new Error("truncated field in FlightData");
  }
}

function decodeDescriptor(buf: Buffer): FlightDescriptorMessage {
  const r = new Reader(buf);
  const out: FlightDescriptorMessage = {};
  while (r.pos < buf.length) {
    const tag = r.varint();
    if (tag === ((1 << 3) | 0)) out.type = DESCRIPTOR_TYPES[r.varint()] ?? "UNKNOWN";
    else if (tag === ((2 << 3) | 2)) out.cmd = r.bytes();
    else if (tag === ((3 << 3) | 2)) (out.path ??= []).push(r.bytes().toString("utf8"));
    else r.skip(tag & 7);
  }
  return out;
}

/** grpc-js `deserialize` for FlightData: fields absent on the wire stay undefined (proto-loader `defaults: false`). */
export function deserializeFlightData(buf: Buffer): FlightDataMessage {
  const r = new Reader(buf);
  const out: FlightDataMessage = {};
  while (r.pos < buf.length) {
    const tag = r.varint();
    if (tag === TAG_HEADER) out.data_header = r.bytes();
    else if (tag === TAG_BODY) out.data_body = r.bytes();
    else if (tag === TAG_APP_METADATA) out.app_metadata = r.bytes();
    else if (tag === TAG_DESCRIPTOR) out.flight_descriptor = decodeDescriptor(r.bytes());
    else r.skip(tag & 7);
  }
  return out;
}
