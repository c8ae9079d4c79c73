/**
 * Mutated OTLP/JSON export requests: broken and truncated text, invalid UTF-8, values of the
 * wrong JSON type, integers out of range or misspelled, ids of wrong length or not hex, deep
 * nesting, huge arrays and strings, snake_case and unknown keys, enum names, NUL.
 */
import type { TableName } from "../../shared/tables/index.ts";
import { deepAnyValueJson } from "../helpers/otlp-wire.ts";
import { BOUNDARY_JSON_INTS, HOSTILE_TEXTS, Random } from "./random.ts";

const FIXTURE_FILE: Record<TableName, string> = { traces: "trace.json", logs: "logs.json", metrics: "metrics.json" };
const ITEMS: Record<TableName, [string, string, string]> = {
  traces: ["resourceSpans", "scopeSpans", "spans"],
  logs: ["resourceLogs", "scopeLogs", "logRecords"],
  metrics: ["resourceMetrics", "scopeMetrics", "metrics"],
};
const DEPTHS = [63, 64, 65, 300, 5_000, 20_000];
const INT_KEYS = ["startTimeUnixNano", "endTimeUnixNano", "timeUnixNano", "observedTimeUnixNano", "intValue", "droppedAttributesCount", "kind", "severityNumber", "flags", "count", "asInt", "aggregationTemporality"];
const ID_KEYS = ["traceId", "spanId", "parentSpanId"];

type Json = unknown;
const fixtures = new Map<TableName, Json>();

/** The reference request of the signal (test/fixtures/otlp) as a JSON document. */
export async function fixtureJson(signal: TableName): Promise<Json> {
  if (!fixtures.has(signal)) fixtures.set(signal, await Bun.file(new URL(`../fixtures/otlp/${FIXTURE_FILE[signal]}`, import.meta.url)).json());
  return fixtures.get(signal);
}

/** Every (object, key) in the document, for mutations that pick a random place. */
function slots(doc: Json, out: Array<[Record<string, Json>, string]> = []): Array<[Record<string, Json>, string]> {
  if (Array.isArray(doc)) for (const v of doc) slots(v, out);
  else if (doc && typeof doc === "object") {
    for (const [k, v] of Object.entries(doc)) {
      out.push([doc as Record<string, Json>, k]);
      slots(v, out);
    }
  }
  return out;
}

function firstItem(signal: TableName, doc: any): Record<string, Json> | undefined {
  const [r, s, i] = ITEMS[signal];
  return doc?.[r]?.[0]?.[s]?.[0]?.[i]?.[0];
}

const encode = (s: string) => new TextEncoder().encode(s);
const RANDOM_VALUES: readonly Json[] = [null, 0, -1, 1e308, "", "x", true, [], {}, [[[]]], { a: { b: {} } }, ...BOUNDARY_JSON_INTS, ...HOSTILE_TEXTS];

type Mutation = (signal: TableName, rng: Random, doc: any) => Uint8Array | string;

const MUTATIONS: Mutation[] = [
  // random text of JSON characters
  (_, rng) => Array.from({ length: rng.int(400) }, () => rng.pick([..."{}[]\":,0123456789.-etruflasn \\u"])).join(""),
  // truncated
  (_, rng, doc) => {
    const text = JSON.stringify(doc);
    return text.slice(0, rng.int(text.length));
  },
  // invalid UTF-8 bytes inside the text
  (_, rng, doc) => {
    const bytes = encode(JSON.stringify(doc));
    const at = rng.int(bytes.length);
    const out = new Uint8Array(bytes.length + 3);
    out.set(bytes.subarray(0, at));
    out.set(rng.pick([Uint8Array.of(0xff, 0xfe, 0xfd), Uint8Array.of(0xc0, 0xaf, 0x22), Uint8Array.of(0xed, 0xa0, 0x80)]), at);
    out.set(bytes.subarray(at), at + 3);
    return out;
  },
  // a value of the wrong type somewhere
  (_, rng, doc) => {
    const all = slots(doc);
    for (let k = 1 + rng.int(3); k > 0 && all.length > 0; k--) {
      const [obj, key] = rng.pick(all);
      obj[key] = rng.pick(RANDOM_VALUES);
    }
    return JSON.stringify(doc);
  },
  // boundary and misspelled integers in integer fields
  (signal, rng, doc) => {
    const target = firstItem(signal, doc);
    const place = target && !Array.isArray(target) ? target : doc;
    place[rng.pick(INT_KEYS)] = rng.pick(BOUNDARY_JSON_INTS);
    for (const [obj, key] of slots(doc)) if (INT_KEYS.includes(key) && rng.chance(0.3)) obj[key] = rng.pick(BOUNDARY_JSON_INTS);
    return JSON.stringify(doc);
  },
  // ids of every wrong length, odd, not hex, base64 instead of hex
  (signal, rng, doc) => {
    const target = firstItem(signal, doc) ?? doc;
    const hex = "0123456789abcdefABCDEF";
    target[rng.pick(ID_KEYS)] = rng.pick([
      Array.from({ length: rng.int(40) }, () => rng.pick([...hex])).join(""),
      "zz".repeat(8), "W47/95gDgQPSabYzgT/GDA==", "", 12345, null, "0".repeat(32),
    ]);
    return JSON.stringify(doc);
  },
  // deep nesting, as an attribute value or as bare JSON structure
  (signal, rng, doc) => {
    const depth = rng.pick(DEPTHS);
    if (rng.chance(0.2)) return "[".repeat(depth) + "]".repeat(depth);
    const target = firstItem(signal, doc) ?? {};
    const text = JSON.stringify(doc).replace(JSON.stringify(target), JSON.stringify({ ...target, attributes: "@DEEP@" }));
    return text.replace('"@DEEP@"', `[{"key":"deep","value":${deepAnyValueJson(depth)}}]`);
  },
  // huge arrays and strings
  (signal, rng, doc) => {
    const target = firstItem(signal, doc) ?? doc;
    if (rng.chance(0.5)) target.attributes = Array.from({ length: 1 + rng.int(5_000) }, (_, k) => ({ key: `k${k % 50}`, value: { intValue: String(k) } }));
    else target.attributes = [{ key: "huge", value: { stringValue: "y".repeat(rng.chance(0.2) ? (1 << 20) + 1 : 1 + rng.int(1 << 18)) } }];
    return JSON.stringify(doc);
  },
  // key spellings: snake_case, unknown keys, duplicate keys, BOM, odd whitespace
  (_, rng, doc) => {
    const text = JSON.stringify(doc, null, rng.chance(0.5) ? "\t" : undefined);
    switch (rng.int(4)) {
      case 0: return text.replace(/"([a-z]+)([A-Z])/g, (_m, a: string, b: string) => `"${a}_${b.toLowerCase()}`);
      case 1: return text.replace("{", '{"unknownKey":{"deeper":[1,2,{"x":null}]},');
      case 2: return text.replace(/"(name|traceId|timeUnixNano)":/, '"$1":"dup","$1":');
      default: return `\ufeff${text}`;
    }
  },
  // NUL and other hostile text in every string
  (_, rng, doc) => {
    for (const [obj, key] of slots(doc)) if (typeof obj[key] === "string" && rng.chance(0.5)) obj[key] = `${obj[key]}${rng.pick(HOSTILE_TEXTS)}`;
    return JSON.stringify(doc);
  },
  // enums as names, unknown names, numbers as strings
  (signal, rng, doc) => {
    const target = firstItem(signal, doc) ?? doc;
    target[rng.pick(["kind", "severityNumber"])] = rng.pick(["SPAN_KIND_SERVER", "SEVERITY_NUMBER_WARN", "BOGUS", "2", 2.5, -1, 2 ** 40]);
    if (target.status !== undefined || rng.chance(0.5)) target.status = { code: rng.pick(["STATUS_CODE_ERROR", 2, "9", {}]) };
    return JSON.stringify(doc);
  },
  // wrong shapes at the top
  (signal, rng) => {
    const [r, s] = ITEMS[signal];
    return rng.pick(["null", "[]", "42", '"text"', `{"${r}":{}}`, `{"${r}":[null]}`, `{"${r}":[{"${s}":[[]]}]}`, `{"${r}":[{"resource":[]}]}`, "{}", ""]);
  },
];

/** Request `i` of the run seeded `seed` for `signal`. */
export function mutatedJson(signal: TableName, fixture: Json, seed: number, i: number): Uint8Array | string {
  const rng = new Random(seed * 1_000_003 + i);
  return MUTATIONS[i % MUTATIONS.length]!(signal, rng, structuredClone(fixture));
}
