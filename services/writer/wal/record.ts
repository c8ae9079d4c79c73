/**
 * One WAL record on disk:
 *
 *   [u32 LE payload length][u32 LE CRC-32 of payload][payload]
 *   payload = [u32 LE header length][header JSON, space-padded][Arrow IPC stream of the batch]
 *
 * The header is padded so the IPC bytes start 8-byte aligned within the payload (Arrow
 * reads aligned buffers without copying). The CRC covers the whole payload, so a torn or
 * flipped byte anywhere in it is detected.
 */
import { RecordBatch, RecordBatchStreamWriter, tableFromIPC } from "apache-arrow";
import { TABLE_NAMES, type TableName } from "../../../shared/signals/tables.ts";
import { crc32 } from "./crc32.ts";
import { WalRecordDecodeError, WalRecordTooLargeError } from "./errors.ts";

export interface WalEntry {
  batchId: string;
  orgId: string;
  bucket: string;
  table: TableName;
  shardId: number;
  batch: RecordBatch;
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

/** The framed bytes of `entry`, ready to append. */
export function encodeRecord(entry: WalEntry): Uint8Array {
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
  const ipc = RecordBatchStreamWriter.writeAll([entry.batch]).toUint8Array(true);
  const payloadLength = 4 + padded + ipc.length;
  if (payloadLength > MAX_PAYLOAD_BYTES) throw new WalRecordTooLargeError(payloadLength, MAX_PAYLOAD_BYTES);

  const out = new Uint8Array(FRAME_HEADER_BYTES + payloadLength);
  const view = new DataView(out.buffer);
  const payload = out.subarray(FRAME_HEADER_BYTES);
  view.setUint32(FRAME_HEADER_BYTES, padded, true);
  payload.fill(0x20, 4, 4 + padded);
  payload.set(headerBytes, 4);
  payload.set(ipc, 4 + padded);
  view.setUint32(0, payloadLength, true);
  view.setUint32(4, crc32(payload), true);
  return out;
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
