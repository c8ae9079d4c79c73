import { describe, expect, test } from "bun:test";
import { encodeTicket, parseTicket, QueryError, ticketTables } from "./index.ts";

const base = { org: "acme", bucket: "default" };

function errorOf(value: unknown): QueryError {
  try {
    parseTicket(value);
  } catch (err) {
    if (err instanceof QueryError) return err;
    throw err;
  }
  throw new Error("expected the ticket to be refused");
}

describe("query tickets", () => {
  test("trace ids: lower-cased and left-padded to 32 hex digits", () => {
    const t = parseTicket({ ...base, kind: "trace_by_id", traceId: "ABC" });
    expect(t).toMatchObject({ kind: "trace_by_id", traceId: "00000000000000000000000000000abc" });
    expect(errorOf({ ...base, kind: "trace_by_id", traceId: "xyz" }).message).toContain("traceId");
    expect(errorOf({ ...base, kind: "trace_by_id", traceId: "0".repeat(33) }).status).toBe(400);
  });

  test("defaults: search limit 20 / spss 3, logs limit 100 backward, sql maxRows 10000", () => {
    expect(parseTicket({ ...base, kind: "search" })).toMatchObject({ limit: 20, spss: 3 });
    expect(parseTicket({ ...base, kind: "logql", query: '{a="b"}', evalStartNs: "1", evalEndNs: "2" })).toMatchObject({ limit: 100, direction: "backward" });
    expect(parseTicket({ ...base, kind: "sql", sql: "select 1" })).toMatchObject({ maxRows: 10_000 });
  });

  test("accepts JSON text and Flight ticket bytes", () => {
    const bytes = encodeTicket({ ...base, kind: "tag_names", scope: "span" });
    expect(parseTicket(bytes)).toMatchObject({ kind: "tag_names", scope: "span" });
    expect(parseTicket(new TextDecoder().decode(bytes))).toMatchObject({ kind: "tag_names" });
    expect(errorOf("{not json").message).toContain("not JSON");
  });

  test("refuses bad fields with a 400 naming them", () => {
    expect(errorOf({ ...base, kind: "nope" }).code).toBe("INVALID_ARGUMENT");
    expect(errorOf({ kind: "log_labels", bucket: "b" }).message).toContain("org");
    expect(errorOf({ ...base, kind: "search", startNs: 5 }).message).toContain("startNs");
    expect(errorOf({ ...base, kind: "search", startNs: "10", endNs: "5" }).message).toContain("startNs is after endNs");
    expect(errorOf({ ...base, kind: "search", minDurationNs: "10", maxDurationNs: "5" }).message).toContain("minDurationNs");
    expect(errorOf({ ...base, kind: "search", limit: 0 }).message).toContain("limit");
    expect(errorOf({ ...base, kind: "logql", query: '{a="b"}', evalStartNs: "1", evalEndNs: "2", direction: "sideways" }).message).toContain("direction");
  });

  test("TraceQL and LogQL are parsed at validation time", () => {
    expect(errorOf({ ...base, kind: "search", q: "{ .a = }" }).message).toContain("TraceQL");
    expect(errorOf({ ...base, kind: "logql", query: "nope", evalStartNs: "1", evalEndNs: "2" }).message).toContain("LogQL");
  });

  test("tables a ticket reads", () => {
    expect(ticketTables({ kind: "search" })).toEqual(["traces"]);
    expect(ticketTables({ kind: "log_label_values" })).toEqual(["logs"]);
    expect(ticketTables({ kind: "sql" })).toEqual(["traces", "logs", "metrics"]);
  });
});
