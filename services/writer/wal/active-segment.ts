/** The one segment this process appends to: created durably, written only at its end. */
import { open, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir } from "../../../shared/storage/index.ts";
import { SEGMENT_MAGIC, segmentName } from "./segment.ts";

export class ActiveSegment {
  private constructor(
    readonly seq: number,
    readonly path: string,
    private readonly fh: FileHandle,
    /** Bytes written (magic included). */
    public size: number,
    /** Bytes known to be on stable storage. */
    public durableSize: number,
  ) {}

  /** Creates the file (never reusing a name), writes the magic and makes both durable. */
  static async create(dir: string, seq: number): Promise<ActiveSegment> {
    const path = join(dir, segmentName(seq));
    const fh = await open(path, "wx");
    try {
      await writeFully(fh, [SEGMENT_MAGIC], 0);
      await fh.sync();
      await fsyncDir(dir);
    } catch (err) {
      await fh.close();
      // A half-made segment (the disk filled up while writing its magic) holds nothing.
      await unlink(path).catch(() => undefined);
      throw err;
    }
    return new ActiveSegment(seq, path, fh, SEGMENT_MAGIC.length, SEGMENT_MAGIC.length);
  }

  /** Appends `buffers` at the end, then fdatasync (which also persists the new file size). */
  async writeAndSync(buffers: Uint8Array[], bytes: number): Promise<void> {
    await writeFully(this.fh, buffers, this.size);
    this.size += bytes;
    await this.fh.datasync();
    this.durableSize = this.size;
  }

  /**
   * After a failed write or fsync the bytes past the durable length are unknown: cut them
   * off, so the segment ends on an intact record (never acknowledged ones are not kept).
   */
  async truncateToDurable(): Promise<void> {
    if (this.closed) return;
    await this.fh.truncate(this.durableSize);
    await this.fh.sync();
    this.size = this.durableSize;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  private closed = false;
}

/** iovecs per writev call: well under every platform's IOV_MAX (1024 on Linux). */
const MAX_IOVECS = 256;

async function writeFully(fh: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  for (let i = 0; i < buffers.length; i += MAX_IOVECS) {
    const group = buffers.slice(i, i + MAX_IOVECS);
    position += await writeGroupFully(fh, group, position);
  }
}

/** One writev; on a short write (rare on regular files) the rest from one joined buffer. Returns the bytes written. */
async function writeGroupFully(fh: FileHandle, buffers: Uint8Array[], position: number): Promise<number> {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const { bytesWritten } = await fh.writev(buffers, position);
  if (bytesWritten === total) return total;
  const rest = Buffer.concat(buffers).subarray(bytesWritten);
  let off = 0;
  while (off < rest.length) {
    const r = await fh.write(rest, off, rest.length - off, position + bytesWritten + off);
    if (r.bytesWritten === 0) throw new Error("write made no progress");
    off += r.bytesWritten;
  }
  return total;
}
