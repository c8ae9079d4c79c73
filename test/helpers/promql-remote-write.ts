/**
 * A Prometheus remote write 1.0 client for tests: WriteRequest protobuf encoded by hand, snappy
 * block-compressed, posted with the headers Prometheus's own sender uses. Sample values are
 * copied as their bits, so stale markers arrive as stale markers.
 */
import { compress } from "snappyjs";
import type { RawSeries } from "../../shared/series/types.ts";

class ProtoWriter {
  private chunks: number[] = [];
  varint(v: number): void {
    while (v >= 0x80) {
      this.chunks.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.chunks.push(v);
  }
  bytes(field: number, data: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(data.length);
    for (const b of data) this.chunks.push(b);
  }
  fixed64(field: number, bytes: Uint8Array): void {
    this.varint((field << 3) | 1);
    for (const b of bytes) this.chunks.push(b);
  }
  int64(field: number, v: number): void {
    this.varint(field << 3);
    this.varint(v);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

const utf8 = new TextEncoder();

/** Encodes the samples of `series` with from <= index < to (per series) as one WriteRequest. */
export function encodeWriteRequest(parts: { series: RawSeries; from: number; to: number }[]): Uint8Array {
  const request = new ProtoWriter();
  for (const { series, from, to } of parts) {
    if (to <= from) continue;
    const ts = new ProtoWriter();
    for (const name of Object.keys(series.labels).sort()) {
      const label = new ProtoWriter();
      label.bytes(1, utf8.encode(name));
      label.bytes(2, utf8.encode(series.labels[name]));
      ts.bytes(1, label.finish());
    }
    const valueBytes = new Uint8Array(series.values.buffer, series.values.byteOffset, series.values.byteLength);
    for (let i = from; i < to; i++) {
      const sample = new ProtoWriter();
      sample.fixed64(1, valueBytes.subarray(i * 8, i * 8 + 8));
      sample.int64(2, series.timestampsMs[i]);
      ts.bytes(2, sample.finish());
    }
    request.bytes(1, ts.finish());
  }
  return request.finish();
}

export const REMOTE_WRITE_HEADERS = {
  "content-type": "application/x-protobuf",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "0.1.0",
};

/**
 * Writes all samples to a remote write endpoint in time order, `sliceMs` of every series per
 * request: receivers such as Prometheus's TSDB refuse samples older than what they hold.
 */
export async function remoteWriteInTimeOrder(
  url: string,
  series: readonly RawSeries[],
  sliceMs = 10 * 60_000,
  headers: Record<string, string> = {},
): Promise<number> {
  let start = Infinity;
  let end = -Infinity;
  for (const s of series) {
    if (s.timestampsMs.length === 0) continue;
    start = Math.min(start, s.timestampsMs[0]);
    end = Math.max(end, s.timestampsMs[s.timestampsMs.length - 1]);
  }
  const cursor = series.map(() => 0);
  let requests = 0;
  for (let sliceEnd = start + sliceMs; sliceEnd - sliceMs <= end; sliceEnd += sliceMs) {
    const parts = series.map((s, i) => {
      const from = cursor[i];
      let to = from;
      while (to < s.timestampsMs.length && s.timestampsMs[to] < sliceEnd) to++;
      cursor[i] = to;
      return { series: s, from, to };
    });
    const body = compress(encodeWriteRequest(parts));
    const response = await fetch(url, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS, ...headers }, body });
    if (!response.ok) throw new Error(`remote write to ${url}: ${response.status} ${await response.text()}`);
    requests++;
  }
  return requests;
}
