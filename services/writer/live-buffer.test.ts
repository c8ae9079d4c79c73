import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeData, RecordBatch, Struct } from "apache-arrow";
import { isDirectlyScannable } from "../../shared/duckdb/index.ts";
import { toPlainBatch, tracesSchema, withDedicatedColumns, withDedicatedSchema } from "../../shared/tables/index.ts";
import { decodeExport } from "../../shared/otlp/index.ts";
import { liveAnswer } from "./live-answer.ts";
import { LiveBuffer } from "./live-buffer.ts";

const fixture = readFileSync(join(import.meta.dir, "../../test/fixtures/otlp/trace.json"));
const rows = (b: { toArray(): { toJSON(): unknown }[] }) => b.toArray().map((r) => r.toJSON());

describe("LiveBuffer", () => {
  test("keeps the wire form, hands out the contract form, counts rows and bytes, adds idempotently", () => {
    const buffer = new LiveBuffer();
    const wire = decodeExport("traces", fixture, "json", "b1", { wireForm: true }).batch!;
    const plain = decodeExport("traces", fixture, "json", "b1").batch!;
    const entry = { batchId: "b1", orgId: "o", bucket: "k", table: "traces" as const, shardId: 2, batch: wire };
    expect(buffer.add(entry)).toBe(true);
    expect(buffer.add(entry)).toBe(false);
    expect(buffer.rows).toBe(wire.numRows);
    expect(buffer.bytes).toBeGreaterThan(0);
    const [out] = buffer.entries("o", "k", "traces");
    expect(out!.batch.schema.fields.map((f) => String(f.type))).toEqual(tracesSchema.fields.map((f) => String(f.type)));
    expect(rows(out!.batch)).toEqual(rows(plain));
    expect(buffer.groups()).toHaveLength(1);
    buffer.remove([out!]);
    expect([buffer.rows, buffer.bytes, buffer.batches]).toEqual([0, 0, 0]);
    expect(buffer.wasFlushed("b1")).toBe(true);
  });

  test("asked for one trace, hands out only the batches holding it (wire form and plain)", () => {
    const buffer = new LiveBuffer();
    const wire = decodeExport("traces", fixture, "json", "w", { wireForm: true }).batch!;
    const plain = decodeExport("traces", fixture, "json", "p").batch!;
    buffer.add({ batchId: "w", orgId: "o", bucket: "k", table: "traces", shardId: 0, batch: wire });
    buffer.add({ batchId: "p", orgId: "o", bucket: "k", table: "traces", shardId: 0, batch: plain });
    const traceId = plain.getChild("trace_id")!.get(0) as string;
    expect(buffer.entries("o", "k", "traces", traceId).map((e) => e.batchId)).toEqual(["w", "p"]);
    expect(buffer.entries("o", "k", "traces", "0".repeat(32))).toEqual([]);
    expect(buffer.entries("o", "k", "traces")).toHaveLength(2);
  });

  test("the stored wire form is what the flusher scans; a foreign dictionary it cannot read is expanded on arrival", () => {
    const buffer = new LiveBuffer();
    const wire = decodeExport("traces", fixture, "json", "ok", { wireForm: true }).batch!;
    buffer.add({ batchId: "ok", orgId: "o", bucket: "k", table: "traces", shardId: 1, batch: wire });
    const [kept] = buffer.entries("o", "k", "traces");
    expect(kept!.stored).toBe(wire);
    expect(isDirectlyScannable(wire)).toBe(true);

    // A sender whose batch_id indices point past its dictionary.
    const at = wire.schema.fields.findIndex((f) => f.name === "batch_id");
    const children = wire.data.children.map((child, i) =>
      i === at ? makeData({ type: child.type, length: child.length, data: new Int32Array(child.length).fill(7), dictionary: child.dictionary } as never) : child,
    );
    const foreign = new RecordBatch(wire.schema, makeData({ type: new Struct(wire.schema.fields), length: wire.numRows, nullCount: 0, children }));
    expect(isDirectlyScannable(foreign)).toBe(false);
    buffer.add({ batchId: "foreign", orgId: "o", bucket: "k2", table: "traces", shardId: 1, batch: foreign });
    const [expanded] = buffer.entries("o", "k2", "traces");
    expect(isDirectlyScannable(expanded!.stored!)).toBe(true);
    expect(expanded!.stored!.getChild("batch_id")!.get(0)).toBe("");
  });

  test("spans with or without their dedicated columns: the contract form leaves them out, the dedicated form has them", () => {
    const buffer = new LiveBuffer();
    const sent = decodeExport("traces", fixture, "json", "new", { wireForm: true, dedicated: true }).batch!;
    const old = decodeExport("traces", fixture, "json", "old", { wireForm: true }).batch!;
    buffer.add({ batchId: "new", orgId: "o", bucket: "k", table: "traces", shardId: 0, batch: sent });
    buffer.add({ batchId: "old", orgId: "o", bucket: "k", table: "traces", shardId: 0, batch: old });
    const names = (b: RecordBatch) => b.schema.fields.map((f) => f.name);
    const withDedicated = names(withDedicatedColumns(old));
    for (const entry of buffer.entries("o", "k", "traces")) {
      expect(names(entry.batch)).toEqual(tracesSchema.fields.map((f) => f.name));
      expect(rows(entry.batch)).toEqual(rows(decodeExport("traces", fixture, "json", entry.batchId).batch!));
      expect(names(entry.dedicatedBatch)).toEqual(withDedicated);
      expect(rows(entry.dedicatedBatch)).toEqual(rows(toPlainBatch(withDedicatedColumns(entry.batchId === "new" ? sent : old), withDedicatedSchema(tracesSchema))));
    }
    expect(buffer.entries("o", "k", "traces")[0]!.stored).toBe(sent);

    const answer = (dedicated?: boolean) => liveAnswer(buffer, { kind: "live", org_id: "o", bucket: "k", table: "traces", ...(dedicated === undefined ? {} : { dedicated }) });
    expect(names(answer().batches[0]!)).toEqual(tracesSchema.fields.map((f) => f.name));
    expect(answer().schema.fields.map((f) => f.name)).toEqual(tracesSchema.fields.map((f) => f.name));
    expect(answer(true).schema.fields.map((f) => f.name)).toEqual(withDedicated);
    expect(answer(true).batches.map(names)).toEqual([withDedicated, withDedicated]);
  });
});
