import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeExport, tracesSchema } from "../../shared/signals/index.ts";
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
});
