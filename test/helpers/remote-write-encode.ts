/**
 * Encodes a Prometheus remote write 1.0 WriteRequest (protobuf, then snappy) from label sets,
 * for tests of what the acceptor stores: samples (stale markers as their exact bits),
 * exemplars and metadata. Whole RawSeries in time order: promql-remote-write.ts.
 */
import { snappyCompress } from "../../shared/remote-write/index.ts";

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

const TYPES = ["unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"];

class Writer {
  bytes: number[] = [];
  varint(v: bigint | number): void {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      this.bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.bytes.push(Number(n));
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  string(field: number, s: string): void {
    this.message(field, (w) => w.bytes.push(...new TextEncoder().encode(s)));
  }
  fixed64(field: number, bits: bigint): void {
    this.tag(field, 1);
    for (let i = 0n; i < 8n; i++) this.bytes.push(Number((bits >> (i * 8n)) & 0xffn));
  }
  double(field: number, v: number | "stale"): void {
    const view = new DataView(new ArrayBuffer(8));
    if (v === "stale") view.setBigUint64(0, 0x7ff0000000000002n, true);
    else view.setFloat64(0, v, true);
    this.fixed64(field, view.getBigUint64(0, true));
  }
  message(field: number, body: (w: Writer) => void): void {
    const inner = new Writer();
    body(inner);
    this.tag(field, 2);
    this.varint(inner.bytes.length);
    for (const b of inner.bytes) this.bytes.push(b);
  }
}

function labels(w: Writer, field: number, set: Record<string, string>): void {
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
  return Uint8Array.from(w.bytes);
}

/** The body a Prometheus sender posts: the WriteRequest, snappy-compressed. */
export function remoteWriteBody(series: RwSeries[], metadata: RwMetadata[] = []): Uint8Array {
  return snappyCompress(encodeWriteRequest(series, metadata));
}

export { REMOTE_WRITE_HEADERS } from "./promql-remote-write.ts";
