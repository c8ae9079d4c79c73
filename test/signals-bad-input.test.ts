/**
 * Undecodable bodies, invalid records, empty requests, exact nanoseconds, and the bodies
 * the acceptor answers with.
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { decodeExport, encodeExportResponse, encodeStatus, exportRequestType, exportResponseType, logsToOtlp, OtlpDecodeError, otlpJsonToProtobuf } from "../shared/otlp/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const utf8 = (s: string) => new TextEncoder().encode(s);
const TRACE = "5b8efff798038103d269b633813fc60c";
const SPAN = "eee19b7ec3c1b174";

const span = (traceId: string, spanId: string, extra: Record<string, unknown> = {}) => ({
  traceId, spanId, name: "op", startTimeUnixNano: "1700000000123456789", endTimeUnixNano: "1700000000223456790", ...extra,
});
const tracesDoc = (...spans: unknown[]) => ({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
const asProtobuf = (doc: unknown) => otlpJsonToProtobuf(exportRequestType("traces"), doc);

describe("undecodable bodies throw OtlpDecodeError", () => {
  test.each([
    ["text", utf8("this is not protobuf")],
    ["truncated length", new Uint8Array([0x0a, 0x20, 0x01])],
    ["invalid wire type", new Uint8Array([0x0f, 0x01])],
    ["unterminated varint", new Uint8Array([0x08, 0xff, 0xff])],
  ])("protobuf: %s", (_, body) => {
    for (const signal of ["traces", "logs", "metrics"] as const) {
      expect(() => decodeExport(signal, body, "protobuf", "b")).toThrow(OtlpDecodeError);
    }
  });

  test("a sub-message overrunning its parent", () => {
    // ResourceSpans(len 3) { ScopeSpans(len 5) … }: the inner length runs past the outer one.
    const body = new Uint8Array([0x0a, 0x03, 0x12, 0x05, 0x12, 0x03, 0x2a, 0x01, 0x41]);
    expect(() => decodeExport("traces", body, "protobuf", "b")).toThrow(OtlpDecodeError);
  });

  test.each([
    ["not JSON", "{resourceSpans:"],
    ["wrong shape", '{"resourceSpans": {"a": 1}}'],
    ["wrong scalar type", '{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 3}]}]}]}'],
    ["non-hex id", `{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz${TRACE.slice(2)}"}]}]}]}`],
    ["bad int64", `{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "12.5"}]}]}]}`],
  ])("json: %s", (_, text) => {
    expect(() => decodeExport("traces", utf8(text), "json", "b")).toThrow(OtlpDecodeError);
  });

  test("the error says what was wrong", () => {
    expect(() => decodeExport("traces", utf8('{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 3}]}]}]}'), "json", "b")).toThrow(
      /spans\[0\]\.name: expected a string/,
    );
  });
});

describe("invalid records are rejected and counted", () => {
  const doc = tracesDoc(
    span(TRACE, SPAN),
    span(TRACE.slice(0, 6), SPAN), // 3-byte trace id
    span(TRACE, ""), // missing span id
    span("0".repeat(32), SPAN), // all-zero trace id
    span(TRACE, SPAN, { parentSpanId: "abcd" }), // 2-byte parent
  );

  test.each(["json", "protobuf"] as const)("traces (%s)", (format) => {
    const body = format === "json" ? utf8(JSON.stringify(doc)) : asProtobuf(doc);
    const d = decodeExport("traces", body, format, "b");
    expect(d.accepted).toBe(1);
    expect(d.rejected).toBe(4);
    expect(d.batch!.numRows).toBe(1);
    expect(d.rejectReason).toContain("rejected 4 spans");
    expect(d.rejectReason).toContain("trace_id must be 16 bytes (got 3)");
    expect(d.rejectReason).toContain("span_id must be 8 bytes (got 0)");
    expect(d.rejectReason).toContain("trace_id is all zeroes");
    expect(d.rejectReason).toContain("parent_span_id must be empty or 8 bytes (got 2)");
  });

  test("logs: ids are optional, a wrong length is not", () => {
    const logs = {
      resourceLogs: [{ scopeLogs: [{ logRecords: [
        { timeUnixNano: "1", body: { stringValue: "no ids" } },
        { timeUnixNano: "2", traceId: TRACE, spanId: SPAN },
        { timeUnixNano: "3", traceId: TRACE.slice(0, 30) },
      ] }] }],
    };
    const d = decodeExport("logs", utf8(JSON.stringify(logs)), "json", "b");
    expect(d).toMatchObject({ accepted: 2, rejected: 1 });
    expect(d.rejectReason).toBe("rejected 1 log records: 1 × trace_id must be empty or 16 bytes (got 15)");
    const rows = d.batch!.toArray().map((r) => r.toJSON());
    expect(rows.map((r) => [r.trace_id, r.span_id, r.body])).toEqual([
      ["", "", '{"stringValue":"no ids"}'],
      [TRACE, SPAN, ""],
    ]);
    // and back to OTLP/JSON
    expect(logsToOtlp(d.batch!).resourceLogs[0].scopeLogs).toEqual([
      { scope: { name: "" }, logRecords: [
        { timeUnixNano: "1", observedTimeUnixNano: "0", body: { stringValue: "no ids" }, attributes: [] },
        { timeUnixNano: "2", observedTimeUnixNano: "0", attributes: [], traceId: TRACE, spanId: SPAN },
      ] },
    ]);
  });

  test("metrics: data points of a nameless metric", () => {
    const m = { resourceMetrics: [{ scopeMetrics: [{ metrics: [
      { name: "", gauge: { dataPoints: [{ asInt: "1" }, { asInt: "2" }] } },
      { name: "ok", gauge: { dataPoints: [{ asInt: "-9007199254740993" }] } },
    ] }] }] };
    const d = decodeExport("metrics", utf8(JSON.stringify(m)), "json", "b");
    expect(d).toMatchObject({ accepted: 1, rejected: 2 });
    expect(d.batch!.getChild("value_int")!.get(0)).toBe(-9007199254740993n);
    expect(d.batch!.getChild("value_double")!.get(0)).toBeNull();
  });
});

describe("empty requests", () => {
  test.each([
    ["traces", "{}"], ["traces", '{"resourceSpans": []}'], ["logs", '{"resourceLogs": [{"scopeLogs": [{}]}]}'], ["metrics", '{"resourceMetrics": [{}]}'],
  ] as const)("%s json %s", (signal, text) => {
    expect(decodeExport(signal, utf8(text), "json", "b")).toEqual({ batch: null, accepted: 0, rejected: 0 });
  });

  test("zero-length protobuf body", () => {
    for (const signal of ["traces", "logs", "metrics"] as const)
      expect(decodeExport(signal, new Uint8Array(0), "protobuf", "b")).toEqual({ batch: null, accepted: 0, rejected: 0 });
  });
});

test("nanosecond timestamps are exact (int64 beyond 2^53)", () => {
  const doc = tracesDoc(span(TRACE, SPAN, {
    events: [{ timeUnixNano: "1700000000123456789", name: "e" }],
    attributes: [{ key: "big", value: { intValue: "9223372036854775807" } }, { key: "neg", value: { intValue: -5 } }],
  }));
  for (const [format, body] of [["json", utf8(JSON.stringify(doc))], ["protobuf", asProtobuf(doc)]] as const) {
    const b = decodeExport("traces", body, format, "b").batch!;
    expect(b.getChild("start_time_unix_nano")!.get(0)).toBe(1700000000123456789n);
    expect(b.getChild("end_time_unix_nano")!.get(0)).toBe(1700000000223456790n);
    expect(b.getChild("duration_nano")!.get(0)).toBe(100000001n);
    expect(JSON.parse(b.getChild("events")!.get(0)!)[0].timeUnixNano).toBe("1700000000123456789");
    expect(JSON.parse(b.getChild("attributes")!.get(0)!)).toEqual([
      { key: "big", value: { intValue: "9223372036854775807" } },
      { key: "neg", value: { intValue: "-5" } },
    ]);
  }
});

describe("responses", () => {
  test("full success: empty response", () => {
    expect(encodeExportResponse("traces", { rejected: 0 }, "json")).toBe("{}");
    expect((encodeExportResponse("traces", { rejected: 0 }, "protobuf") as Uint8Array).length).toBe(0);
  });

  test("partial success, protobuf and JSON", () => {
    const bytes = encodeExportResponse("logs", { rejected: 2, rejectReason: "bad ids" }, "protobuf") as Uint8Array;
    const decoded = exportResponseType("logs").toObject(exportResponseType("logs").decode(bytes), { longs: String });
    expect(decoded).toEqual({ partial_success: { rejected_log_records: "2", error_message: "bad ids" } });
    expect(JSON.parse(encodeExportResponse("metrics", { rejected: 3, rejectReason: "x" }, "json") as string)).toEqual({
      partialSuccess: { rejectedDataPoints: "3", errorMessage: "x" },
    });
  });

  test("google.rpc.Status", () => {
    expect(JSON.parse(encodeStatus(3, "bad body", "json") as string)).toEqual({ code: 3, message: "bad body" });
    expect([...(encodeStatus(3, "ab", "protobuf") as Uint8Array)]).toEqual([0x08, 0x03, 0x12, 0x02, 0x61, 0x62]);
  });
});
