import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Field, Int64, Schema } from "apache-arrow";
import { decodeExport } from "../otlp/decode-export.ts";
import { TABLE_NAMES, TABLE_SCHEMAS, type TableName } from "./tables.ts";
import { toPlainBatch, wireSchema, wireSchemaProblem } from "./wire-form.ts";

const FIXTURE: Record<TableName, string> = { traces: "trace.json", logs: "logs.json", metrics: "metrics.json" };
const body = (t: TableName) => readFileSync(join(import.meta.dir, "../../test/fixtures/otlp", FIXTURE[t]));
const rows = (b: { toArray(): { toJSON(): unknown }[] }) => b.toArray().map((r) => r.toJSON());

describe("the Flight wire form", () => {
  test("same rows as the plain decode; toPlainBatch restores the contract schema; the schema is accepted", () => {
    for (const table of TABLE_NAMES) {
      const wire = decodeExport(table, body(table), "json", "batch-7", { wireForm: true }).batch!;
      const plain = decodeExport(table, body(table), "json", "batch-7").batch!;
      expect(wire.schema.fields.map((f) => f.name)).toEqual(TABLE_SCHEMAS[table].fields.map((f) => f.name));
      expect(String(wire.schema.fields.find((f) => f.name === "batch_id")!.type)).toBe("Dictionary<Int32, Utf8>");
      expect(rows(wire)).toEqual(rows(plain));
      const back = toPlainBatch(wire, TABLE_SCHEMAS[table]);
      expect(back.schema.fields.map(String)).toEqual(TABLE_SCHEMAS[table].fields.map(String));
      expect(rows(back)).toEqual(rows(plain));
      expect(wireSchemaProblem(wire.schema, table)).toBeUndefined();
      expect(wireSchemaProblem(plain.schema, table)).toBeUndefined();
      expect(wireSchema(table)).toBe(wireSchema(table));
    }
  });

  test("a schema that does not fit the table is named", () => {
    const fields = TABLE_SCHEMAS.logs.fields.map((f) => (f.name === "severity_text" ? new Field(f.name, new Int64()) : f));
    expect(wireSchemaProblem(new Schema(fields), "logs")).toContain("severity_text");
    expect(wireSchemaProblem(TABLE_SCHEMAS.logs, "traces")).toContain("do not match table traces");
  });
});
