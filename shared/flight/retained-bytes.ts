import type { Data, RecordBatch } from "apache-arrow";

/**
 * What keeping `batch` costs: the byte length of every distinct ArrayBuffer its columns view.
 * A received batch views the whole Flight message it arrived in, so that is what it pins.
 */
export function retainedBytes(batches: RecordBatch | readonly RecordBatch[]): number {
  const seen = new Set<ArrayBufferLike>();
  let bytes = 0;
  const visit = (data: Data) => {
    for (const buffer of [data.values, data.valueOffsets, data.nullBitmap] as (ArrayBufferView | undefined)[]) {
      if (!buffer || buffer.byteLength === 0 || seen.has(buffer.buffer)) continue;
      seen.add(buffer.buffer);
      bytes += buffer.buffer.byteLength;
    }
    for (const child of data.children) visit(child);
    for (const chunk of data.dictionary?.data ?? []) visit(chunk);
  };
  for (const batch of Array.isArray(batches) ? batches : [batches as RecordBatch]) visit(batch.data);
  return bytes;
}
