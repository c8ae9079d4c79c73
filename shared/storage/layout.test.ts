import { describe, expect, test } from "bun:test";
import { decodePathSegment, encodePathSegment, parquetPath, parseParquetPath, tablePrefix, timePartition } from "./index.ts";
import { InvalidPathSegmentError, NotAParquetPathError } from "./errors.ts";

const FILE = "0190b6a2-1c3d-7e4f-8a9b-0c1d2e3f4a5b";

describe("parquet layout", () => {
  test("path from the UTC hour of the min time, and back", () => {
    const key = parquetPath({ orgId: "acme", bucket: "prod", table: "traces", minTimeNs: 1_735_787_045_123_456_789n, fileId: FILE });
    expect(key).toBe(`acme/prod/traces/date=2025-01-02/hour=03/${FILE}.parquet`);
    expect(parseParquetPath(key)).toEqual({ orgId: "acme", bucket: "prod", table: "traces", date: "2025-01-02", hour: "03", fileId: FILE });
  });

  test("default file id is a uuid that parses", () => {
    const key = parquetPath({ orgId: "o", bucket: "b", table: "logs", minTimeNs: 0n });
    expect(key).toStartWith("o/b/logs/date=1970-01-01/hour=00/");
    expect(parseParquetPath(key).table).toBe("logs");
  });

  test("times before the epoch floor into the previous hour", () => {
    expect(timePartition(-1n)).toEqual({ date: "1969-12-31", hour: "23" });
  });

  test("hostile org and bucket names are encoded into one safe folder and decode exactly", () => {
    for (const name of ["..", ".", "../../etc", "a/b", "a\\b", ".hidden", "100%", "ünï 🌍", "x.y-z_1", "%2F"]) {
      const enc = encodePathSegment("org id", name);
      expect(enc).not.toContain("/");
      expect(enc).not.toContain("\\");
      expect(enc.startsWith(".")).toBe(false);
      expect(decodePathSegment("org id", enc)).toBe(name);
      const key = parquetPath({ orgId: name, bucket: name, table: "metrics", minTimeNs: 0n, fileId: FILE });
      expect(key.split("/").length).toBe(6);
      expect(parseParquetPath(key)).toMatchObject({ orgId: name, bucket: name });
    }
    expect(encodePathSegment("org id", "..")).toBe("%2E.");
    expect(encodePathSegment("org id", "a/b")).toBe("a%2Fb");
  });

  test("empty, NUL, lone surrogates and over-long names are rejected", () => {
    for (const bad of ["", "a\u0000b", "\ud800", "x".repeat(256)]) {
      expect(() => encodePathSegment("org id", bad)).toThrow(InvalidPathSegmentError);
    }
  });

  test("non-canonical or malformed paths are refused", () => {
    const good = `acme/prod/traces/date=2025-01-02/hour=03/${FILE}.parquet`;
    for (const bad of [
      `acme/prod/spans/date=2025-01-02/hour=03/${FILE}.parquet`,
      `acme/prod/traces/date=2025-1-2/hour=03/${FILE}.parquet`,
      `acme/prod/traces/date=2025-01-02/hour=24/${FILE}.parquet`,
      `acme/prod/traces/date=2025-01-02/hour=03/x.parquet`,
      `acme/prod/traces/date=2025-01-02/${FILE}.parquet`,
      `../prod/traces/date=2025-01-02/hour=03/${FILE}.parquet`,
      good.replace("acme", "ac%6De"),
    ]) {
      expect(() => parseParquetPath(bad)).toThrow();
    }
    expect(() => parseParquetPath(good.replace("acme", "%ZZ"))).toThrow(InvalidPathSegmentError);
    expect(() => parseParquetPath("a/b")).toThrow(NotAParquetPathError);
  });

  test("table prefix", () => {
    expect(tablePrefix("a/b", "c", "logs")).toBe("a%2Fb/c/logs/");
  });
});
