import { describe, expect, test } from "bun:test";
import { parseGoDuration } from "./go-duration.ts";
import { LogfmtError, parseLogfmt } from "./logfmt.ts";
import { promDuration } from "./prom-duration.ts";
import { lokiTimeToNs, unixSecondsToNs } from "./time-params.ts";

describe("Go durations", () => {
  test.each([
    ["100ms", 100_000_000n],
    ["1.5s", 1_500_000_000n],
    ["1h30m", 5_400_000_000_000n],
    ["250us", 250_000n],
    ["250µs", 250_000n],
    ["10ns", 10n],
    ["0", 0n],
    ["2m", 120_000_000_000n],
    [".5s", 500_000_000n],
    ["1.000000001s", 1_000_000_001n],
  ])("%s", (text, ns) => expect(parseGoDuration(text)).toBe(ns));

  test.each(["", "10", "-1s", "1x", "s", "1.5", "1 s", "abc"])("refuses %p", (text) => {
    expect(typeof parseGoDuration(text)).toBe("string");
  });
});

describe("logfmt tags", () => {
  test("quoted and bare values", () => {
    expect(parseLogfmt('service.name="api" http.status_code=500')).toEqual({ "service.name": "api", "http.status_code": "500" });
  });
  test("spaces and escapes inside quotes, bare key, extra whitespace", () => {
    expect(parseLogfmt('  a="x y \\"z\\""   flag  b=1 ')).toEqual({ a: 'x y "z"', flag: "", b: "1" });
  });
  test("empty value", () => expect(parseLogfmt('a= b=""')).toEqual({ a: "", b: "" }));
  test.each([
    ['a="unterminated', "unterminated quoted value at position 2"],
    ["=x", "missing key before '=' at position 0"],
    ['a=x"y', "unexpected '\"' inside an unquoted value at position 3"],
    ['a="x"b', "expected a space after the quoted value at position 5"],
  ])("refuses %p", (input, message) => {
    expect(() => parseLogfmt(input)).toThrow(LogfmtError);
    expect(() => parseLogfmt(input)).toThrow(message);
  });
});

describe("time parameters", () => {
  test("Tempo unix seconds → ns", () => {
    expect(unixSecondsToNs("1700000000")).toBe("1700000000000000000");
    expect(unixSecondsToNs("0")).toBe("0");
    expect(unixSecondsToNs("1.5")).toBeUndefined();
    expect(unixSecondsToNs("-1")).toBeUndefined();
    expect(unixSecondsToNs("2023-01-01T00:00:00Z")).toBeUndefined();
  });

  test("Loki forms", () => {
    expect(lokiTimeToNs("1700000000")).toBe(1_700_000_000_000_000_000n); // ≤ 10 digits: seconds
    expect(lokiTimeToNs("1700000000123456789")).toBe(1_700_000_000_123_456_789n); // ns
    expect(lokiTimeToNs("1700000000.5")).toBe(1_700_000_000_500_000_000n);
    expect(lokiTimeToNs("2023-11-14T22:13:20Z")).toBe(1_700_000_000_000_000_000n);
    expect(lokiTimeToNs("2023-11-14T22:13:20.123456789Z")).toBe(1_700_000_000_123_456_789n);
    expect(lokiTimeToNs("2023-11-14T23:13:20+01:00")).toBe(1_700_000_000_000_000_000n);
    expect(lokiTimeToNs("yesterday")).toBeUndefined();
    expect(lokiTimeToNs("2023-13-45T00:00:00Z")).toBeUndefined();
  });

  test("Prometheus durations for since", () => {
    expect(promDuration("1h")).toBe(3_600_000_000_000n);
    expect(promDuration("1d12h")).toBe(36n * 3_600_000_000_000n);
    expect(promDuration("1w")).toBe(7n * 86_400_000_000_000n);
    expect(promDuration("1.5h")).toBe(5_400_000_000_000n);
    expect(promDuration("soon")).toBeUndefined();
    expect(promDuration("")).toBeUndefined();
  });
});
