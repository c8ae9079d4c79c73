/**
 * A Prometheus remote write 1.0 client for tests and benches: WriteRequest protobuf encoded by
 * hand, snappy block-compressed, posted with the headers Prometheus's own sender uses. Sample
 * values are copied as their bits, so stale markers arrive as stale markers. Two inputs: label
 * sets with sample, exemplar and metadata objects (what the acceptor tests store), or slices of
 * whole RawSeries in time order (the PromQL tests and bench, where the volume is large).
 */
import { snappyCompress } from "../../shared/remote-write/index.ts";
import type { RawSeries } from "../../shared/series/types.ts";

export interface RwSeries {
  labels: Record<string, string>;
  samples?: { value: number | "stale"; timestampMs: number }[];
  exemplars?: { labels: Record<string, string>; value: number; timestampMs: number }[];
}

export interface RwMetadata {
  type: "unknown" | "counter" | "gauge" | "histogram" | "gaugehistogram" | "summary" | "info" | "stateset";
  family: string;
  help?: string;
  unit?: string;
}

export const REMOTE_WRITE_HEADERS = {
  "content-type": "application/x-protobuf",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "0.1.0",
};

const TYPES = ["unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"];
const STALE_BITS = 0x7ff0000000000002n;
const utf8 = new TextEncoder();

/** A protobuf writer into one growable buffer; a nested message is written, then its length inserted. */
class Writer {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + extra));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Varint of an integer within ±2^53 (a negative one as its 64-bit two's complement). */
  varint(v: number): void {
    this.ensure(10);
    if (v < 0) {
      let n = BigInt.asUintN(64, BigInt(v));
      while (n >= 0x80n) {
        this.buf[this.length++] = Number(n & 0x7fn) | 0x80;
        n >>= 7n;
      }
      this.buf[this.length++] = Number(n);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  string(field: number, s: string): void {
    const bytes = utf8.encode(s);
    this.tag(field, 2);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  double(field: number, v: number | "stale"): void {
    this.tag(field, 1);
    this.ensure(8);
    if (v === "stale") this.view.setBigUint64(this.length, STALE_BITS, true);
    else this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** The 8 bytes of a float64 exactly as held (a stale marker's NaN payload survives). */
  doubleBits(field: number, values: Float64Array, index: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.set(new Uint8Array(values.buffer, values.byteOffset + index * 8, 8), this.length);
    this.length += 8;
  }

  message(field: number, body: (w: Writer) => void): void {
    this.tag(field, 2);
    // Reserve the largest length prefix a request here needs, then close the gap.
    const lengthAt = this.length;
    this.ensure(5);
    this.length += 5;
    body(this);
    const size = this.length - lengthAt - 5;
    let prefix = 1;
    for (let v = size; v >= 0x80; v = Math.floor(v / 0x80)) prefix++;
    this.buf.copyWithin(lengthAt + prefix, lengthAt + 5, this.length);
    this.length = lengthAt;
    this.varint(size);
    this.length += size;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function labels(w: Writer, field: number, set: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(set).sort()) {
    w.message(field, (l) => {
      l.string(1, name);
      l.string(2, set[name]!);
    });
  }
}

export function encodeWriteRequest(series: RwSeries[], metadata: RwMetadata[] = []): Uint8Array {
  const w = new Writer();
  for (const s of series) {
    w.message(1, (ts) => {
      labels(ts, 1, s.labels);
      for (const sample of s.samples ?? []) {
        ts.message(2, (m) => {
          m.double(1, sample.value);
          m.tag(2, 0);
          m.varint(sample.timestampMs);
        });
      }
      for (const e of s.exemplars ?? []) {
        ts.message(3, (m) => {
          labels(m, 1, e.labels);
          m.double(2, e.value);
          m.tag(3, 0);
          m.varint(e.timestampMs);
        });
      }
    });
  }
  for (const m of metadata) {
    w.message(3, (mm) => {
      mm.tag(1, 0);
      mm.varint(TYPES.indexOf(m.type));
      mm.string(2, m.family);
      if (m.help) mm.string(4, m.help);
      if (m.unit) mm.string(5, m.unit);
    });
  }
  return w.finish();
}

/** The samples of each series with from <= index < to, as one WriteRequest. */
export function encodeSeriesSlices(parts: readonly { series: RawSeries; from: number; to: number }[]): Uint8Array {
  const w = new Writer();
  for (const { series, from, to } of parts) {
    if (to <= from) continue;
    w.message(1, (ts) => {
      labels(ts, 1, series.labels);
      for (let i = from; i < to; i++) {
        ts.message(2, (m) => {
          m.doubleBits(1, series.values, i);
          m.tag(2, 0);
          m.varint(series.timestampsMs[i]!);
        });
      }
    });
  }
  return w.finish();
}

/** The body a Prometheus sender posts: the WriteRequest, snappy-compressed. */
export function remoteWriteBody(series: RwSeries[], metadata: RwMetadata[] = []): Uint8Array {
  return snappyCompress(encodeWriteRequest(series, metadata));
}

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
    start = Math.min(start, s.timestampsMs[0]!);
    end = Math.max(end, s.timestampsMs[s.timestampsMs.length - 1]!);
  }
  const cursor = series.map(() => 0);
  let requests = 0;
  for (let sliceEnd = start + sliceMs; sliceEnd - sliceMs <= end; sliceEnd += sliceMs) {
    const parts = series.map((s, i) => {
      const from = cursor[i]!;
      let to = from;
      while (to < s.timestampsMs.length && s.timestampsMs[to]! < sliceEnd) to++;
      cursor[i] = to;
      return { series: s, from, to };
    });
    const body = snappyCompress(encodeSeriesSlices(parts));
    const response = await fetch(url, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS, ...headers }, body });
    if (!response.ok) throw new Error(`remote write to ${url}: ${response.status} ${await response.text()}`);
    requests++;
  }
  return requests;
}
