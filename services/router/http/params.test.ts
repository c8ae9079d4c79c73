import { describe, expect, test } from "bun:test";
import { LogfmtError, parseLogfmt } from "./logfmt.ts";
import { lokiTimeToNs, unixSecondsToNs } from "./time-params.ts";

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
});
