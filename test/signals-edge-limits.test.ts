/**
 * Validate at the edge: every value that becomes a column is checked against the column's
 * range while decoding, in every format. A time outside the window rejects its record
 * (partial success, the reason named); an integer outside its JSON type's range, or a value
 * nested too deep, refuses the request; nothing is ever wrapped mod 2^64.
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { decodeExport, exportRequestType, MAX_ANYVALUE_DEPTH, OtlpDecodeError, otlpJsonToProtobuf, timeWindowAround } from "../shared/otlp/index.ts";
import {
  concat, deepAnyValue, deepAnyValueJson, exportRequest, fixed64Field, gaugeMetric, idBytes, keyValue, lenField, logRecord, span, stringField, varintField,
} from "./helpers/otlp-wire.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const utf8 = (s: string) => new TextEncoder().encode(s);
const T = 1_700_000_000_000_000_000n;
const POISON = 1n << 63n; // the first time that does not fit int64 nanoseconds
const goodSpan = (seed: number, extra: Partial<Parameters<typeof span>[0]> = {}) =>
  span({ traceId: idBytes(16, seed), spanId: idBytes(8, seed), ...extra });

const tracesJson = (...spans: unknown[]) => utf8(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
const jsonSpan = (extra: Record<string, unknown> = {}) => ({
  traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "op",
  startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000000100000000", ...extra,
});

describe("times outside int64 are rejected per record, never stored", () => {
  test.each([
    ["start", { start: POISON }, "start_time_unix_nano does not fit int64 nanoseconds"],
    ["end", { end: (1n << 64n) - 5n }, "end_time_unix_nano does not fit int64 nanoseconds"],
  ] as const)("span %s time", (_, times, reason) => {
    const body = exportRequest([goodSpan(1), goodSpan(2, times), goodSpan(3)]);
    const out = decodeExport("traces", body, "protobuf", "b");
    expect(out.accepted).toBe(2);
    expect(out.rejected).toBe(1);
    expect(out.rejectReason).toBe(`rejected 1 spans: 1 × ${reason}`);
    expect([...out.batch!.getChild("start_time_unix_nano")!.toArray()]).toEqual([T, T]);
  });

  test("span event time", () => {
    const event = concat([fixed64Field(1, POISON), stringField(2, "e")]);
    const out = decodeExport("traces", exportRequest([goodSpan(1, { extra: [lenField(11, event)] })]), "protobuf", "b");
    expect(out).toMatchObject({ accepted: 0, rejected: 1, rejectReason: "rejected 1 spans: 1 × event time_unix_nano does not fit int64 nanoseconds" });
    expect(out.batch).toBeNull();
  });

  test("log record times", () => {
    const out = decodeExport("logs", exportRequest([logRecord(T), logRecord(POISON)]), "protobuf", "b");
    expect(out).toMatchObject({ accepted: 1, rejected: 1, rejectReason: "rejected 1 log records: 1 × time_unix_nano does not fit int64 nanoseconds" });
  });

  test("metric point times", () => {
    const out = decodeExport("metrics", exportRequest([gaugeMetric("m", T, 1), gaugeMetric("m", T, 2, POISON)]), "protobuf", "b");
    expect(out).toMatchObject({ accepted: 1, rejected: 1, rejectReason: "rejected 1 data points: 1 × start_time_unix_nano does not fit int64 nanoseconds" });
  });

  test("0 is OTLP's unset time and is kept", () => {
    expect(decodeExport("logs", exportRequest([logRecord(0n)]), "protobuf", "b").accepted).toBe(1);
    expect(decodeExport("metrics", exportRequest([gaugeMetric("m", T, 1, 0n)]), "protobuf", "b").accepted).toBe(1);
  });

  test("the same span sent as OTLP/JSON gets the same answer", () => {
    const out = decodeExport("traces", tracesJson(jsonSpan({ startTimeUnixNano: "9223372036854775808" })), "json", "b");
    expect(out).toMatchObject({ accepted: 0, rejected: 1, rejectReason: "rejected 1 spans: 1 × start_time_unix_nano does not fit int64 nanoseconds" });
  });
});

describe("the time window around the acceptor's clock", () => {
  const now = 1_700_000_000_000; // ms
  const window = timeWindowAround(now, 7 * 24 * 3_600_000, 3_600_000, { age: "acceptor.max_time_age", ahead: "acceptor.max_time_ahead" });
  const ns = (ms: number) => BigInt(ms) * 1_000_000n;

  test("exactly at the bounds is accepted, one nanosecond past is not", () => {
    const body = exportRequest([
      logRecord(ns(now + 3_600_000)),
      logRecord(ns(now + 3_600_000) + 1n),
      logRecord(ns(now - 7 * 24 * 3_600_000)),
      logRecord(ns(now - 7 * 24 * 3_600_000) - 1n),
    ]);
    const out = decodeExport("logs", body, "protobuf", "b", { timeWindow: window });
    expect(out.accepted).toBe(2);
    expect(out.rejectReason).toBe(
      "rejected 2 log records: 1 × time_unix_nano is more than acceptor.max_time_ahead (1h) ahead of the acceptor's clock; " +
        "1 × time_unix_nano is older than acceptor.max_time_age (168h)",
    );
  });

  test("0s leaves a side open: only the int64 range bounds it", () => {
    const open = timeWindowAround(now, 0, 0);
    const out = decodeExport("logs", exportRequest([logRecord(1n), logRecord(POISON - 1n), logRecord(POISON)]), "protobuf", "b", { timeWindow: open });
    expect(out).toMatchObject({ accepted: 2, rejected: 1 });
  });
});

describe("counts beyond their Int32 / Int64 columns are rejected, not wrapped", () => {
  test("a span's dropped_attributes_count of 2^31", () => {
    const out = decodeExport("traces", exportRequest([goodSpan(1, { extra: [varintField(10, 2 ** 31)] }), goodSpan(2)]), "protobuf", "b");
    expect(out).toMatchObject({ accepted: 1, rejected: 1, rejectReason: "rejected 1 spans: 1 × dropped_attributes_count does not fit int32" });
  });

  test("a histogram count of 2^63", () => {
    const point = concat([fixed64Field(3, T), fixed64Field(4, POISON)]);
    const metric = concat([stringField(1, "h"), lenField(9, lenField(1, point))]);
    const out = decodeExport("metrics", exportRequest([metric]), "protobuf", "b");
    expect(out).toMatchObject({ accepted: 0, rejected: 1, rejectReason: "rejected 1 data points: 1 × count does not fit int64" });
  });
});

describe("OTLP/JSON integers outside their type's range refuse the request", () => {
  test.each([
    ["a uint64 time of 2^64 + 1", jsonSpan({ startTimeUnixNano: "18446744073709551617" }), "outside the uint64 range"],
    ["a negative uint64 time", jsonSpan({ endTimeUnixNano: "-5" }), "-5 is outside the uint64 range"],
    ["an int64 attribute of 2^64 - 1", jsonSpan({ attributes: [{ key: "k", value: { intValue: "18446744073709551615" } }] }), "outside the int64 range"],
    ["a uint32 dropped count of -1", jsonSpan({ droppedAttributesCount: -1 }), "outside the uint32 range"],
    ["a uint32 dropped count of 2^32", jsonSpan({ droppedLinksCount: 4294967296 }), "outside the uint32 range"],
    ["an enum beyond int32", jsonSpan({ kind: 2 ** 40 }), "outside the int32 range"],
  ])("%s", (_, item, message) => {
    expect(() => decodeExport("traces", tracesJson(item), "json", "b")).toThrow(message);
  });

  test("the int64 bounds themselves are fine", () => {
    const attributes = [{ key: "min", value: { intValue: "-9223372036854775808" } }, { key: "max", value: { intValue: "9223372036854775807" } }];
    const out = decodeExport("traces", tracesJson(jsonSpan({ attributes })), "json", "b");
    expect(JSON.parse(out.batch!.getChild("attributes")!.get(0)!)).toEqual(attributes);
  });
});

describe("AnyValue nesting is capped at the same depth in every format", () => {
  const tracesWithAttr = (value: Uint8Array) => exportRequest([goodSpan(1, { attributes: [keyValue("deep", value)] })]);
  const jsonWithAttr = (valueJson: string) =>
    utf8(`{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(jsonSpan()).slice(0, -1)},"attributes":[{"key":"deep","value":${valueJson}}]}]}]}]}`);
  const message = `value nested deeper than ${MAX_ANYVALUE_DEPTH} levels`;

  test("at the cap: accepted and stored whole", () => {
    for (const [format, body] of [["protobuf", tracesWithAttr(deepAnyValue(MAX_ANYVALUE_DEPTH))], ["json", jsonWithAttr(deepAnyValueJson(MAX_ANYVALUE_DEPTH))]] as const) {
      const out = decodeExport("traces", body, format, "b");
      expect(out.accepted).toBe(1);
      expect(out.batch!.getChild("attributes")!.get(0)!.split("arrayValue").length - 1).toBe(MAX_ANYVALUE_DEPTH - 1);
    }
  });

  test.each([MAX_ANYVALUE_DEPTH + 1, 10_000, 100_000])("%d levels: OtlpDecodeError naming the cap", (depth) => {
    for (const [format, body] of [["protobuf", tracesWithAttr(deepAnyValue(depth))], ["json", jsonWithAttr(deepAnyValueJson(depth))]] as const) {
      let error: unknown;
      try {
        decodeExport("traces", body, format, "b");
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(OtlpDecodeError);
      expect((error as Error).message).toContain(message);
    }
  });

  test("log bodies and resource attributes are capped too", () => {
    expect(() => decodeExport("logs", exportRequest([logRecord(T, deepAnyValue(MAX_ANYVALUE_DEPTH + 1))]), "protobuf", "b")).toThrow(message);
    const resource = lenField(1, keyValue("r", deepAnyValue(100_000)));
    const body = lenField(1, concat([lenField(1, resource), lenField(2, lenField(2, logRecord(T)))]));
    expect(() => decodeExport("logs", body, "protobuf", "b")).toThrow(message);
  });

  test("the JSON encoder used by the read path takes what ingest accepted", () => {
    const doc = JSON.parse(`{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(jsonSpan()).slice(0, -1)},"attributes":[{"key":"deep","value":${deepAnyValueJson(MAX_ANYVALUE_DEPTH)}}]}]}]}]}`);
    expect(otlpJsonToProtobuf(exportRequestType("traces"), doc).length).toBeGreaterThan(0);
  });
});
