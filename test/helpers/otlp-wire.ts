/**
 * Hand-built OTLP protobuf: fields written byte by byte, so tests can send what no SDK
 * would (times ≥ 2^63, counts beyond int32, AnyValues nested 100,000 deep, wrong wire types).
 */
export const LEN = 2;
export const VARINT = 0;
export const I64 = 1;
export const I32 = 5;

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function varint(value: bigint | number): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v === 0n ? b : b | 0x80);
  } while (v !== 0n);
  return new Uint8Array(bytes);
}

export const tag = (field: number, wire: number) => varint((field << 3) | wire);
export const lenField = (field: number, payload: Uint8Array) => concat([tag(field, LEN), varint(payload.length), payload]);
export const stringField = (field: number, text: string) => lenField(field, new TextEncoder().encode(text));
export const varintField = (field: number, value: bigint | number) => concat([tag(field, VARINT), varint(value)]);

export function fixed64Field(field: number, value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return concat([tag(field, I64), bytes]);
}

export function fixed32Field(field: number, value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return concat([tag(field, I32), bytes]);
}

/**
 * An AnyValue nested `depth` levels through ArrayValues (depth 1 = a plain string). Built
 * outside-in with precomputed lengths: copying the inner bytes once per level would be
 * quadratic at the depths hostile tests use.
 */
export function deepAnyValue(depth: number): Uint8Array {
  const inner = stringField(1, "deep");
  const anyLen = new Array<number>(depth);
  const arrayLen = new Array<number>(depth);
  anyLen[0] = inner.length;
  for (let k = 1; k < depth; k++) {
    arrayLen[k] = 1 + varint(anyLen[k - 1]!).length + anyLen[k - 1]!;
    anyLen[k] = 1 + varint(arrayLen[k]!).length + arrayLen[k]!;
  }
  const parts: Uint8Array[] = [];
  for (let k = depth - 1; k >= 1; k--) {
    // AnyValue.array_value (5) { ArrayValue.values (1) { AnyValue … } }
    parts.push(tag(5, LEN), varint(arrayLen[k]!), tag(1, LEN), varint(anyLen[k - 1]!));
  }
  parts.push(inner);
  return concat(parts);
}

/** The same nesting as OTLP/JSON text (an AnyValue object). */
export function deepAnyValueJson(depth: number): string {
  return '{"arrayValue":{"values":['.repeat(depth - 1) + '{"stringValue":"deep"}' + "]}}".repeat(depth - 1);
}

export const keyValue = (key: string, anyValue: Uint8Array) => concat([stringField(1, key), lenField(2, anyValue)]);

export interface SpanFields {
  traceId: Uint8Array;
  spanId: Uint8Array;
  name?: string;
  start?: bigint;
  end?: bigint;
  attributes?: Uint8Array[];
  /** Extra raw fields appended to the span body. */
  extra?: Uint8Array[];
}

/** A Span message body. */
export function span(s: SpanFields): Uint8Array {
  return concat([
    lenField(1, s.traceId),
    lenField(2, s.spanId),
    stringField(5, s.name ?? "op"),
    fixed64Field(7, s.start ?? 1_700_000_000_000_000_000n),
    fixed64Field(8, s.end ?? 1_700_000_000_100_000_000n),
    ...(s.attributes ?? []).map((kv) => lenField(9, kv)),
    ...(s.extra ?? []),
  ]);
}

/** ExportXServiceRequest { ResourceX { resource { service.name }, ScopeX { items… } } }. */
export function exportRequest(items: Uint8Array[], service = "hostile"): Uint8Array {
  const resource = lenField(1, keyValue("service.name", stringField(1, service)));
  const scope = concat(items.map((item) => lenField(2, item)));
  return lenField(1, concat([lenField(1, resource), lenField(2, scope)]));
}

/** A LogRecord body. */
export function logRecord(time: bigint, body: Uint8Array = stringField(1, "hello"), extra: Uint8Array[] = []): Uint8Array {
  return concat([fixed64Field(1, time), fixed64Field(11, time), varintField(2, 9), lenField(5, body), ...extra]);
}

/** A Metric with one gauge NumberDataPoint (as_double). */
export function gaugeMetric(name: string, time: bigint, value: number, start = 0n, extra: Uint8Array[] = []): Uint8Array {
  const v = new Uint8Array(8);
  new DataView(v.buffer).setFloat64(0, value, true);
  const point = concat([fixed64Field(2, start), fixed64Field(3, time), tag(4, I64), v, ...extra]);
  return concat([stringField(1, name), lenField(5, lenField(1, point))]);
}

export function idBytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => ((seed * 131 + i * 17 + 1) & 0xff) || 1);
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
