import { describe, expect, test } from "bun:test";
import { CONFIG_DURATION, durationNs, GO_DURATION, PROMETHEUS_DURATION, TRACEQL_DURATION } from "./index.ts";

describe("Go durations (Tempo's minDuration / maxDuration)", () => {
  test.each([
    ["100ms", 100_000_000n],
    ["1.5s", 1_500_000_000n],
    ["1h30m", 5_400_000_000_000n],
    ["250us", 250_000n],
    ["250µs", 250_000n],
    ["250μs", 250_000n],
    ["10ns", 10n],
    ["0", 0n],
    ["2m", 120_000_000_000n],
    [".5s", 500_000_000n],
    ["1.s", 1_000_000_000n],
    ["1.000000001s", 1_000_000_001n],
    ["1.9ns", 1n],
  ])("%s", (text, ns) => expect(durationNs(text, GO_DURATION)).toBe(ns));

  test.each(["", "10", "-1s", "1x", "s", ".s", "1.5", "1 s", "abc"])("refuses %p", (text) => {
    expect(durationNs(text, GO_DURATION)).toBeUndefined();
  });
});

describe("Prometheus durations (Loki's since)", () => {
  test.each([
    ["1h", 3_600_000_000_000n],
    ["1d12h", 36n * 3_600_000_000_000n],
    ["1w", 7n * 86_400_000_000_000n],
    ["1y", 365n * 86_400_000_000_000n],
    ["1m30s500ms", 90_500_000_000n],
  ])("%s", (text, ns) => expect(durationNs(text, PROMETHEUS_DURATION)).toBe(ns));

  test.each(["", "soon", "1.5h", "12h1d", "1h1h", "0"])("refuses %p", (text) => {
    expect(durationNs(text, PROMETHEUS_DURATION)).toBeUndefined();
  });
});

describe("TraceQL duration literals", () => {
  test.each([
    ["100ms", 100_000_000n],
    ["1.5s", 1_500_000_000n],
    ["2m", 120_000_000_000n],
    ["500us", 500_000n],
    ["10ns", 10n],
    ["1h", 3_600_000_000_000n],
    ["1.5ns", 2n],
  ])("%s", (text, ns) => expect(durationNs(text, TRACEQL_DURATION)).toBe(ns));

  test.each(["10", "1h30m", ".5s", "1.s", "-5ms", "1d"])("refuses %p", (text) => {
    expect(durationNs(text, TRACEQL_DURATION)).toBeUndefined();
  });
});

describe("configuration durations", () => {
  test.each([
    ["250ms", 250_000_000n],
    ["30s", 30_000_000_000n],
    ["1.5s", 1_500_000_000n],
    ["5m", 300_000_000_000n],
    [" 2h ", 7_200_000_000_000n],
    ["14d", 1_209_600_000_000_000n],
  ])("%p", (text, ns) => expect(durationNs(text, CONFIG_DURATION)).toBe(ns));

  test.each(["", "30", "1h30m", "10us", "soon", ".5s"])("refuses %p", (text) => {
    expect(durationNs(text, CONFIG_DURATION)).toBeUndefined();
  });
});
