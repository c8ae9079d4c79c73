/**
 * One WAL record on disk:
 *
 *   [u32 LE payload length][u32 LE CRC-32 of payload][payload]
 *   payload = [u32 LE header length][header JSON, space-padded][Arrow IPC stream of the batch]
 *
 * The header is padded so the IPC bytes start 8-byte aligned within the payload (Arrow
 * reads aligned buffers without copying). The CRC covers the whole payload, so a torn or
 * flipped byte anywhere in it is detected.
 *
 * A batch received over Flight is stored as the IPC messages it arrived in (schema,
 * dictionaries, record batch — `WalEntry.ipc`): the record is those bytes framed as an IPC
 * stream, handed to the kernel as they are (writev), with no Arrow encoding and no copy of
 * the body (nor of its parts, when an in-process sender kept it in parts). Otherwise Arrow's stream writer encodes the batch.
 */
import { RecordBatch, RecordBatchStreamWriter, tableFromIPC } from "apache-arrow";
import { restoreOmitted, TABLE_NAMES, type TableName } from "../../../shared/tables/index.ts";
import { crc32 } from "./crc32.ts";
import { WalRecordDecodeError, WalRecordTooLargeError } from "./errors.ts";

/**
 * One IPC message: Message flatbuffer and body (exactly the header's bodyLength bytes), or
 * the body's parts as an in-process sender produced them (shared/flight/parted-body.ts).
 */
export interface WalIpcMessage {
  header: Uint8Array;
  readonly body: Uint8Array;
  readonly bodyParts?: readonly Uint8Array[];
  /** The parts' total length (set with `bodyParts`). */
  readonly bodyLength?: number;
}

const bodyLength = (m: WalIpcMessage) => (m.bodyParts && m.bodyLength !== undefined ? m.bodyLength : m.body.byteLength);

export interface WalEntry {
  batchId: string;
  orgId: string;
  bucket: string;
  table: TableName;
  shardId: number;
  batch: RecordBatch;
  /** The IPC messages `batch` was decoded from (a standalone stream of exactly it), when known. */
  ipc?: { messages: readonly WalIpcMessage[] };
}

interface WalHeader {
  v: 1;
  batchId: string;
  orgId: string;
  bucket: string;
  table: TableName;
  shardId: number;
  rows: number;
}

export const FRAME_HEADER_BYTES = 8;
/** Upper bound of one payload: a replay holds a whole record in memory. */
export const MAX_PAYLOAD_BYTES = 512 * 1024 * 1024;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
/** Pieces smaller than this are copied together; larger ones are written from where they lie. */
const SMALL_PIECE_BYTES = 16 * 1024;

/** A record as the pieces to write, in order, and their total length. */
export interface EncodedRecord {
  parts: Uint8Array[];
  length: number;
}

/** The framed bytes of `entry`, ready to append, as pieces (no copy of large bodies). */
export function encodeRecordParts(entry: WalEntry): EncodedRecord {
  const header: WalHeader = {
    v: 1,
    batchId: entry.batchId,
    orgId: entry.orgId,
    bucket: entry.bucket,
    table: entry.table,
    shardId: entry.shardId,
    rows: entry.batch.numRows,
  };
  const headerBytes = utf8.encode(JSON.stringify(header));
  const padded = Math.ceil((4 + headerBytes.length) / 8) * 8 - 4;
  const head = new Uint8Array(FRAME_HEADER_BYTES + 4 + padded);
  const view = new DataView(head.buffer);
  view.setUint32(FRAME_HEADER_BYTES, padded, true);
  head.fill(0x20, FRAME_HEADER_BYTES + 4);
  head.set(headerBytes, FRAME_HEADER_BYTES + 4);

  const pieces = new PieceList(head);
  const messages = entry.ipc?.messages;
  if (messages && messages.length > 0 && messages.every((m) => bodyLength(m) % 8 === 0)) {
    for (const m of messages) {
      const metadataLength = (m.header.byteLength + 7) & ~7;
      const prefix = new Uint8Array(8 + metadataLength);
      const prefixView = new DataView(prefix.buffer);
      prefixView.setInt32(0, -1, true);
      prefixView.setInt32(4, metadataLength, true);
      prefix.set(m.header, 8);
      pieces.add(prefix);
      for (const part of m.bodyParts && m.bodyLength !== undefined ? m.bodyParts : [m.body]) pieces.add(part);
    }
    pieces.add(END_OF_STREAM);
  } else {
    pieces.add(RecordBatchStreamWriter.writeAll([entry.batch]).toUint8Array(true));
  }
  const parts = pieces.finish();
  const length = parts.reduce((n, p) => n + p.byteLength, 0);
  const payloadLength = length - FRAME_HEADER_BYTES;
  if (payloadLength > MAX_PAYLOAD_BYTES) throw new WalRecordTooLargeError(payloadLength, MAX_PAYLOAD_BYTES);

  const first = parts[0]!;
  let crc = crc32(first.subarray(FRAME_HEADER_BYTES));
  for (let i = 1; i < parts.length; i++) crc = crc32(parts[i]!, crc);
  const frame = new DataView(first.buffer, first.byteOffset, FRAME_HEADER_BYTES);
  frame.setUint32(0, payloadLength, true);
  frame.setUint32(4, crc, true);
  return { parts, length };
}

/** The framed bytes of `entry` as one buffer. */
export function encodeRecord(entry: WalEntry): Uint8Array {
  const { parts, length } = encodeRecordParts(entry);
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Pieces to write: small ones are joined (fewer iovecs, one allocation), large ones kept as
 * views. The first piece is always the record's own head (frame + header), copied into.
 */
class PieceList {
  private readonly parts: Uint8Array[] = [];
  private small: Uint8Array[];
  private smallBytes: number;

  constructor(head: Uint8Array) {
    this.small = [head];
    this.smallBytes = head.byteLength;
  }

  add(piece: Uint8Array): void {
    if (piece.byteLength === 0) return;
    if (piece.byteLength < SMALL_PIECE_BYTES) {
      this.small.push(piece);
      this.smallBytes += piece.byteLength;
      return;
    }
    this.flushSmall();
    this.parts.push(piece);
  }

  finish(): Uint8Array[] {
    this.flushSmall();
    return this.parts;
  }

  private flushSmall(): void {
    if (this.small.length === 0) return;
    if (this.small.length === 1) this.parts.push(this.small[0]!);
    else {
      const joined = new Uint8Array(this.smallBytes);
      let at = 0;
      for (const p of this.small) {
        joined.set(p, at);
        at += p.byteLength;
      }
      this.parts.push(joined);
    }
    this.small = [];
    this.smallBytes = 0;
  }
}

/** Only the header: what recovery needs to know which batches a segment holds. */
export function decodeHeader(payload: Uint8Array): WalHeader {
  if (payload.length < 4) throw new WalRecordDecodeError("payload shorter than its header length");
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > payload.length) throw new WalRecordDecodeError("header length beyond the payload");
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Decoder.decode(payload.subarray(4, 4 + headerLength)));
  } catch (err) {
    throw new WalRecordDecodeError(`header is not JSON: ${(err as Error).message}`);
  }
  return validateHeader(raw);
}

/** The full entry. `payload` is copied so the batch does not pin the segment's buffer. */
export function decodeRecord(payload: Uint8Array): WalEntry {
  const header = decodeHeader(payload);
  const headerLength = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
  const ipc = payload.slice(4 + headerLength);
  let batch: RecordBatch | undefined;
  try {
    batch = tableFromIPC(ipc).batches[0];
    // A batch received in the narrow wire form is stored as received: restored as DoPut restores it.
    if (batch) batch = restoreOmitted(batch, header.table);
  } catch (err) {
    throw new WalRecordDecodeError(`Arrow IPC: ${(err as Error).message}`);
  }
  if (!batch) throw new WalRecordDecodeError("Arrow IPC stream holds no record batch");
  if (batch.numRows !== header.rows) throw new WalRecordDecodeError(`header says ${header.rows} rows, batch has ${batch.numRows}`);
  return { batchId: header.batchId, orgId: header.orgId, bucket: header.bucket, table: header.table, shardId: header.shardId, batch };
}

function validateHeader(raw: unknown): WalHeader {
  const h = raw as Partial<WalHeader> | null;
  const str = (v: unknown) => typeof v === "string";
  const int = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
  if (!h || typeof h !== "object") throw new WalRecordDecodeError("header is not an object");
  if (h.v !== 1) throw new WalRecordDecodeError(`unknown header version ${String(h.v)}`);
  if (!str(h.batchId) || !str(h.orgId) || !str(h.bucket)) throw new WalRecordDecodeError("header ids are not strings");
  if (!TABLE_NAMES.includes(h.table as TableName)) throw new WalRecordDecodeError(`unknown table ${String(h.table)}`);
  if (!int(h.shardId) || !int(h.rows)) throw new WalRecordDecodeError("shardId/rows are not non-negative integers");
  return h as WalHeader;
}
