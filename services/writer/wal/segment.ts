/**
 * Segment files: `{seq:20 digits}.wal` in the log's directory, each starting with an 8-byte
 * magic, then records (record.ts) back to back. Only the newest segment of the running
 * process is ever appended to; a restart always starts a new one, so recovered segments are
 * immutable apart from having a damaged tail cut off.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "./crc32.ts";
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES } from "./record.ts";

/** "SBXWAL" + format version 1 + reserved byte. */
export const SEGMENT_MAGIC = new Uint8Array([0x53, 0x42, 0x58, 0x57, 0x41, 0x4c, 0x01, 0x00]);

const NAME = /^(\d{20})\.wal$/;

export const segmentName = (seq: number) => `${String(seq).padStart(20, "0")}.wal`;

export interface SegmentFile {
  seq: number;
  path: string;
}

/** The directory's segments, oldest first (sidecar `.corrupt-*` copies are not segments). */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const out: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const m = NAME.exec(name);
    if (m) out.push({ seq: Number(m[1]), path: join(dir, name) });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export interface ScannedRecord {
  /** Offset of the frame in the file. */
  offset: number;
  /** The payload, a view into the scanned bytes. */
  payload: Uint8Array;
}

/** Why a scan stopped before the end of the file. */
export interface ScanStop {
  offset: number;
  /**
   * torn-tail: the last record is incomplete or fails its CRC and nothing follows it — what
   * a crash mid-write leaves. corrupt: a bad frame with bytes after it — damage, not a crash.
   * bad-magic: the file is not a segment (or its start is damaged).
   */
  kind: "torn-tail" | "corrupt" | "bad-magic";
  reason: string;
}

export interface SegmentScan {
  records: ScannedRecord[];
  /** End of the last intact record (the length to truncate to when `stop` is set). */
  intactBytes: number;
  stop?: ScanStop;
}

/** Checks framing and CRCs of a whole segment's bytes. Never throws on bad data. */
export function scanSegment(bytes: Uint8Array): SegmentScan {
  const records: ScannedRecord[] = [];
  if (bytes.length < SEGMENT_MAGIC.length) {
    const isPrefix = SEGMENT_MAGIC.subarray(0, bytes.length).every((b, i) => bytes[i] === b);
    return isPrefix
      ? { records, intactBytes: 0, stop: { offset: 0, kind: "torn-tail", reason: "segment created but its magic not fully written" } }
      : { records, intactBytes: 0, stop: { offset: 0, kind: "bad-magic", reason: "short file without the segment magic" } };
  }
  if (!SEGMENT_MAGIC.every((b, i) => bytes[i] === b)) {
    return { records, intactBytes: 0, stop: { offset: 0, kind: "bad-magic", reason: "segment magic mismatch" } };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = SEGMENT_MAGIC.length;
  while (offset < bytes.length) {
    const remaining = bytes.length - offset;
    if (remaining < FRAME_HEADER_BYTES) {
      return stopAt(records, offset, bytes, "torn-tail", `${remaining} trailing bytes, shorter than a frame header`);
    }
    const length = view.getUint32(offset, true);
    const crc = view.getUint32(offset + 4, true);
    if (length === 0 || length > MAX_PAYLOAD_BYTES) {
      return stopAt(records, offset, bytes, allZero(bytes, offset) ? "torn-tail" : "corrupt", `impossible payload length ${length}`);
    }
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) {
      return stopAt(records, offset, bytes, "torn-tail", `record of ${length} bytes runs past the end of the file`);
    }
    const payload = bytes.subarray(offset + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== crc) {
      return stopAt(records, offset, bytes, end === bytes.length ? "torn-tail" : "corrupt", "CRC mismatch");
    }
    records.push({ offset, payload });
    offset = end;
  }
  return { records, intactBytes: offset };
}

function stopAt(records: ScannedRecord[], offset: number, bytes: Uint8Array, kind: ScanStop["kind"], reason: string): SegmentScan {
  return { records, intactBytes: offset, stop: { offset, kind, reason: `${reason} (${bytes.length - offset} bytes from offset ${offset})` } };
}

/** A file system may leave zero-filled blocks after a crash: that is a torn tail too. */
function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
