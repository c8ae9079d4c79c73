/**
 * A few rows of a Parquet file read straight from its bytes: for each row group holding
 * some of them, one read of the needed columns' chunks, then only the pages and values of
 * those rows decoded (column-chunk.ts). DuckDB's scan works per row group and column and
 * decodes every row of each page it touches; a point read that wants a handful of rows of
 * one large file pays that fixed work many times over.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { readChunkRows, UnsupportedLayout, type Value } from "./column-chunk.ts";
import type { FileLayout } from "./file-layout.ts";
import { ZstdPages } from "./zstd-pages.ts";

/** Reads run one at a time (synchronous), so one set of page buffers serves them all. */
const SHARED_PAGES = new ZstdPages();

/**
 * Reads up to this size land in one kept buffer: a fresh buffer per read is memory the kernel
 * must fault in page by page as it copies. Decoded values never point into it.
 */
const MAX_KEPT_READ_BYTES = 4 * 1024 * 1024;
let readBuffer = Buffer.allocUnsafe(0);

function bufferOf(bytes: number): Buffer {
  if (bytes > MAX_KEPT_READ_BYTES) return Buffer.allocUnsafe(bytes);
  if (readBuffer.length < bytes) readBuffer = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * readBuffer.length, 256 * 1024));
  return readBuffer.subarray(0, bytes);
}

/**
 * Rows `first`..`last` (inclusive, 0-based like DuckDB's file_row_number) of `columns`, one
 * array per column in that order. A column the file lacks reads as nulls (as DuckDB's
 * union_by_name does); one it holds in a form not decoded here throws UnsupportedLayout.
 */
export function readRows(path: string, layout: FileLayout, columns: readonly string[], first: number, last: number, pages = SHARED_PAGES): Value[][] {
  for (const name of columns) if (layout.columns.get(name) === null) throw new UnsupportedLayout(`column ${name}`);
  const out: Value[][] = columns.map(() => []);
  const groups: number[] = [];
  for (let g = 0; g < layout.rowGroupCount; g++) {
    if (layout.rows[g]! > 0 && layout.firstRows[g]! <= last && layout.firstRows[g]! + layout.rows[g]! > first) groups.push(g);
  }
  if (groups.length === 0) return out;
  // Synchronous: a few hundred KiB of a local file (the querier's file cache), where each
  // asynchronous call (open, read, close) is a round trip to the thread pool, and on a busy
  // machine every round trip waits for a core.
  const fd = openSync(path, "r");
  try {
    for (const group of groups) {
      const firstRow = layout.firstRows[group]!;
      const from = Math.max(first, firstRow) - firstRow;
      const to = Math.min(last + 1, firstRow + layout.rows[group]!) - firstRow;
      const held = columns.map((name) => layout.chunk(group, name));
      const located = held.filter((c) => c !== undefined);
      if (located.length === 0) {
        for (const values of out) for (let r = from; r < to; r++) values.push(null);
        continue;
      }
      // One read spanning the chunks: a row group's columns are stored side by side.
      const start = Math.min(...located.map((c) => c.offset));
      const end = Math.max(...located.map((c) => c.offset + c.bytes));
      const bytes = bufferOf(end - start);
      const bytesRead = readSync(fd, bytes, 0, bytes.length, start);
      if (bytesRead !== bytes.length) throw new RangeError(`${path}: ${bytesRead} of ${bytes.length} bytes read at ${start}`);
      columns.forEach((name, i) => {
        const chunk = held[i];
        const type = layout.columns.get(name);
        if (chunk === undefined || type === undefined || type === null) {
          for (let r = from; r < to; r++) out[i]!.push(null);
          return;
        }
        const values = readChunkRows(bytes.subarray(chunk.offset - start, chunk.offset - start + chunk.bytes), { ...type, codec: chunk.codec }, from, to, pages);
        if (values.length !== to - from) throw new RangeError(`${path}: ${values.length} values of ${name}, ${to - from} rows asked for`);
        for (const v of values) out[i]!.push(v);
      });
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
