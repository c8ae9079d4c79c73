/**
 * Start-up recovery of a WAL directory: every segment is scanned; a torn tail (what a crash
 * mid-append leaves) is cut off; a damaged middle is cut off too, after the original bytes
 * are kept aside as `<segment>.corrupt-<ms>` for an operator; a file that is not a segment
 * is moved aside. After this the directory holds only intact records, so replay never
 * meets a bad one and appends never follow garbage. Never throws on bad data.
 */
import { copyFile, readFile, rename, truncate, unlink } from "node:fs/promises";
import type { Logger } from "../../../shared/log/index.ts";
import { fsyncDir, fsyncFile } from "../../../shared/storage/index.ts";
import { decodeHeader } from "./record.ts";
import { listSegments, scanSegment, SEGMENT_MAGIC, type SegmentFile } from "./segment.ts";

export interface RecoveredSegment extends SegmentFile {
  /** Intact length after recovery. */
  bytes: number;
  /** Batch ids of its records, in order (a retried batch may appear twice). */
  batchIds: string[];
}

export interface Recovery {
  segments: RecoveredSegment[];
  /** Highest segment number seen, removed ones included: new segments never reuse a number. */
  maxSeq: number;
}

export async function recoverSegments(dir: string, log: Logger): Promise<Recovery> {
  const out: RecoveredSegment[] = [];
  let dirChanged = false;
  const found = await listSegments(dir);
  for (const seg of found) {
    const bytes = new Uint8Array(await readFile(seg.path));
    const scan = scanSegment(bytes);
    const batchIds: string[] = [];
    let intact = scan.intactBytes;
    let stop = scan.stop;
    for (const rec of scan.records) {
      try {
        batchIds.push(decodeHeader(rec.payload).batchId);
      } catch (err) {
        // CRC-valid but undecodable: written by a bug or another version; same treatment as damage.
        intact = rec.offset;
        stop = { offset: rec.offset, kind: "corrupt", reason: (err as Error).message };
        break;
      }
    }
    const fields = { segment: seg.path, offset: stop?.offset, reason: stop?.reason, records: batchIds.length };

    if (stop?.kind === "bad-magic") {
      const aside = `${seg.path}.corrupt-${Date.now()}`;
      await rename(seg.path, aside);
      dirChanged = true;
      log.error("wal.recovery.not_a_segment", { ...fields, movedTo: aside });
      continue;
    }
    if (stop?.kind === "corrupt") {
      const aside = `${seg.path}.corrupt-${Date.now()}`;
      await copyFile(seg.path, aside);
      await fsyncFile(aside);
      dirChanged = true;
      log.error("wal.recovery.corrupt", { ...fields, droppedBytes: bytes.length - intact, keptAside: aside });
    } else if (stop?.kind === "torn-tail") {
      log.warn("wal.recovery.torn_tail", { ...fields, droppedBytes: bytes.length - intact });
    }

    if (batchIds.length === 0) {
      // Nothing intact (a segment created just before a crash): it carries no data.
      await unlink(seg.path);
      dirChanged = true;
      log.info("wal.recovery.empty_segment_removed", { segment: seg.path });
      continue;
    }
    if (stop) {
      await truncate(seg.path, Math.max(intact, SEGMENT_MAGIC.length));
      await fsyncFile(seg.path);
    }
    out.push({ ...seg, bytes: intact, batchIds });
  }
  if (dirChanged) await fsyncDir(dir);
  return { segments: out, maxSeq: found.length ? found[found.length - 1].seq : 0 };
}
