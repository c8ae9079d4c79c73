/**
 * Mutated OTLP protobuf export requests, for OTLP/HTTP protobuf and OTLP/gRPC: random bytes,
 * truncations, bit flips, wrong wire types, boundary integers and times, ids of every wrong
 * length, invalid UTF-8, NUL, deep nesting, huge arrays and values, unknown and repeated
 * fields. Request `i` of a (signal, seed) pair is always the same bytes.
 */
import { exportRequestType, otlpJsonToProtobuf } from "../../shared/otlp/index.ts";
import type { TableName } from "../../shared/tables/index.ts";
import {
  concat, deepAnyValue, exportRequest, fixed32Field, fixed64Field, gaugeMetric, I64, idBytes, keyValue, lenField, logRecord, span, stringField, tag, varint, varintField,
} from "../helpers/otlp-wire.ts";
import { BOUNDARY_U64, HOSTILE_TEXTS, Random } from "./random.ts";

const FIXTURE_FILE: Record<TableName, string> = { traces: "trace.json", logs: "logs.json", metrics: "metrics.json" };
const fixtures = new Map<TableName, Uint8Array>();

/** The reference request of the signal (test/fixtures/otlp), as protobuf. */
export async function fixtureProtobuf(signal: TableName): Promise<Uint8Array> {
  let bytes = fixtures.get(signal);
  if (!bytes) {
    const doc = await Bun.file(new URL(`../fixtures/otlp/${FIXTURE_FILE[signal]}`, import.meta.url)).json();
    bytes = otlpJsonToProtobuf(exportRequestType(signal), doc);
    fixtures.set(signal, bytes);
  }
  return bytes;
}

const NOW = 1_700_000_000_000_000_000n;
const DEPTHS = [63, 64, 65, 100, 1_000, 5_000];
const utf8 = (s: string) => new TextEncoder().encode(s);

/** Strings as raw bytes: some invalid UTF-8 (lone continuation, overlong, truncated sequences). */
function hostileStringBytes(rng: Random): Uint8Array {
  switch (rng.int(4)) {
    case 0: return Uint8Array.of(0xff, 0xfe, 0x80, 0x41);
    case 1: return Uint8Array.of(0xc0, 0xaf, 0xe0, 0x80);
    case 2: return Uint8Array.of(0x61, 0xf0, 0x9f, 0x98);
    default: return utf8(rng.pick(HOSTILE_TEXTS));
  }
}

/** One item (span, log record or metric) with ordinary values; `extra` raw fields appended. */
function item(signal: TableName, rng: Random, n: number, extra: Uint8Array[] = [], attributes: Uint8Array[] = []): Uint8Array {
  const time = NOW + BigInt(n);
  if (signal === "traces") return span({ traceId: idBytes(16, n), spanId: idBytes(8, n), start: time, end: time + 1000n, attributes, extra });
  if (signal === "logs") return logRecord(time, stringField(1, `line ${n}`), [...attributes.map((a) => lenField(6, a)), ...extra]);
  const attrs = attributes.map((a) => lenField(7, a));
  return gaugeMetric(`m.${rng.int(5)}`, time, rng.next(), 0n, [...attrs, ...extra]);
}

/** A valid request around hostile item(s). */
const request = (signal: TableName, rng: Random, items: Uint8Array[]) => exportRequest(items, `hostile-${signal}-${rng.int(3)}`);

/** Fields of each signal's item that hold integers, as (field number, wire kind). */
const INT_FIELDS: Record<TableName, Array<[number, "varint" | "fixed32" | "fixed64"]>> = {
  traces: [[6, "varint"], [10, "varint"], [12, "varint"], [14, "varint"], [16, "fixed32"], [7, "fixed64"], [8, "fixed64"]],
  logs: [[2, "varint"], [7, "varint"], [8, "fixed32"], [1, "fixed64"], [11, "fixed64"]],
  metrics: [],
};

function boundaryField(field: number, kind: "varint" | "fixed32" | "fixed64", value: bigint): Uint8Array {
  if (kind === "varint") return varintField(field, value);
  if (kind === "fixed32") return fixed32Field(field, Number(value & 0xffffffffn));
  return fixed64Field(field, value);
}

/** A histogram metric whose point has boundary count / times. */
function histogram(rng: Random): Uint8Array {
  const point = concat([fixed64Field(2, rng.pick(BOUNDARY_U64)), fixed64Field(3, rng.pick(BOUNDARY_U64)), fixed64Field(4, rng.pick(BOUNDARY_U64)), varintField(10, rng.pick(BOUNDARY_U64))]);
  return concat([stringField(1, "h"), lenField(9, concat([lenField(1, point), varintField(2, rng.pick(BOUNDARY_U64))]))]);
}

type Mutation = (signal: TableName, rng: Random, seed: Uint8Array, i: number) => Uint8Array;

const MUTATIONS: Mutation[] = [
  // random bytes
  (_, rng) => rng.bytes(rng.int(2_000)),
  // truncated
  (_, rng, seed) => seed.subarray(0, rng.int(seed.length)),
  // bit flips
  (_, rng, seed) => {
    const out = seed.slice();
    for (let k = 1 + rng.int(8); k > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  },
  // wrong wire types: rewrite the low three bits of bytes that may be tags
  (_, rng, seed) => {
    const out = seed.slice();
    for (let k = 1 + rng.int(4); k > 0; k--) {
      const at = rng.int(out.length);
      out[at] = (out[at]! & ~7) | rng.int(8);
    }
    return out;
  },
  // boundary times
  (signal, rng, _seed, i) => {
    const t = rng.pick(BOUNDARY_U64);
    if (signal === "traces") return request(signal, rng, [span({ traceId: idBytes(16, i), spanId: idBytes(8, i), start: t, end: rng.pick(BOUNDARY_U64) })]);
    if (signal === "logs") return request(signal, rng, [logRecord(t)]);
    return request(signal, rng, [gaugeMetric("t", t, 1, rng.pick(BOUNDARY_U64))]);
  },
  // boundary integers in every integer field
  (signal, rng, _seed, i) => {
    if (signal === "metrics") return request(signal, rng, [histogram(rng), item(signal, rng, i, [concat([tag(6, I64), new Uint8Array(8).fill(0xff)])])]);
    const [field, kind] = rng.pick(INT_FIELDS[signal]);
    return request(signal, rng, [item(signal, rng, i, [boundaryField(field, kind, rng.pick(BOUNDARY_U64))])]);
  },
  // ids of every wrong length
  (signal, rng, _seed, i) => {
    const traceId = idBytes(rng.int(34), i);
    const spanId = idBytes(rng.int(18), i + 1);
    if (signal === "traces") return request(signal, rng, [span({ traceId, spanId, extra: [lenField(4, idBytes(rng.int(18), i + 2))] })]);
    if (signal === "logs") return request(signal, rng, [logRecord(NOW, undefined, [lenField(9, traceId), lenField(10, spanId)])]);
    const exemplar = concat([lenField(4, spanId), lenField(5, traceId), fixed64Field(2, NOW)]);
    return request(signal, rng, [gaugeMetric("ex", NOW, 1, 0n, [lenField(5, exemplar)])]);
  },
  // invalid UTF-8 and NUL in names, keys, values
  (signal, rng, _seed, i) => {
    const kv = concat([lenField(1, hostileStringBytes(rng)), lenField(2, lenField(1, hostileStringBytes(rng)))]);
    const name = signal === "traces" ? [lenField(5, hostileStringBytes(rng))] : signal === "logs" ? [lenField(3, hostileStringBytes(rng))] : [];
    return request(signal, rng, [item(signal, rng, i, name, [kv])]);
  },
  // deep nesting
  (signal, rng, _seed, i) => request(signal, rng, [item(signal, rng, i, [], [keyValue("deep", deepAnyValue(rng.pick(DEPTHS)))])]),
  // huge arrays, many attributes, huge values, many items
  (signal, rng, _seed, i) => {
    switch (rng.int(4)) {
      case 0: {
        const values = Array.from({ length: 1 + rng.int(5_000) }, (_, k) => lenField(1, varintField(3, k)));
        return request(signal, rng, [item(signal, rng, i, [], [keyValue("array", lenField(5, concat(values)))])]);
      }
      case 1: return request(signal, rng, [item(signal, rng, i, [], Array.from({ length: 1 + rng.int(2_000) }, (_, k) => keyValue(`k${k}`, stringField(1, "v"))))]);
      case 2: {
        // Now and then past the suite's max_body_bytes (1 MiB): 413 / RESOURCE_EXHAUSTED.
        const length = rng.chance(0.2) ? (1 << 20) + 1 + rng.int(1 << 18) : 1 + rng.int(1 << 18);
        return request(signal, rng, [item(signal, rng, i, [], [keyValue("huge", stringField(1, "x".repeat(length)))])]);
      }
      default: return request(signal, rng, Array.from({ length: 1 + rng.int(1_000) }, (_, k) => item(signal, rng, i * 10_000 + k)));
    }
  },
  // unknown fields of every wire type, repeated fields, concatenated requests
  (signal, rng, seed, i) => {
    const unknown = [varintField(99, rng.pick(BOUNDARY_U64)), fixed64Field(98, 1n), lenField(97, rng.bytes(rng.int(64))), fixed32Field(96, 7)];
    if (rng.chance(0.5)) return concat([seed, seed.subarray(0, rng.int(seed.length)), concat(unknown)]);
    return request(signal, rng, [item(signal, rng, i, [...unknown, ...unknown])]);
  },
  // lengths that lie
  (_, rng, seed) => concat([tag(1, 2), varint(rng.pick([0xffffffffn, 1n << 40n, BigInt(seed.length + 1)])), seed]),
  // the seed itself with hostile bytes spliced in
  (_, rng, seed) => {
    const at = rng.int(seed.length + 1);
    return concat([seed.subarray(0, at), rng.bytes(1 + rng.int(16)), seed.subarray(at)]);
  },
];

/** Request `i` of the run seeded `seed` for `signal`. */
export function mutatedProtobuf(signal: TableName, fixture: Uint8Array, seed: number, i: number): Uint8Array {
  const rng = new Random(seed * 1_000_003 + i);
  const base = rng.chance(0.5) ? fixture : request(signal, rng, [item(signal, rng, i)]);
  return MUTATIONS[i % MUTATIONS.length]!(signal, rng, base, i);
}

export const PROTOBUF_MUTATION_KINDS = MUTATIONS.length;
