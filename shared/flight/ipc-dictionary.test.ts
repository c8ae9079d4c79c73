import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tableFromIPC, type RecordBatch } from "apache-arrow";
import { TABLE_NAMES, TABLE_SCHEMAS, toPlainBatch, type TableName } from "../tables/index.ts";
import { decodeExport } from "../otlp/index.ts";
import { deserializeFlightData, serializeFlightData } from "./flight-data-codec.ts";
import { receivedIpcOf } from "./ipc-decode.ts";
import { FlightDataEncoder, decodeFlightData } from "./ipc.ts";
import type { FlightDataMessage } from "./proto.ts";

const FIXTURES = join(import.meta.dir, "../../test/fixtures/otlp");
const FIXTURE: Record<TableName, string> = { traces: "trace.json", logs: "logs.json", metrics: "metrics.json" };

function wireBatch(table: TableName, batchId: string): RecordBatch {
  const body = readFileSync(join(FIXTURES, FIXTURE[table]));
  return decodeExport(table, body, "json", batchId, { wireForm: true }).batch!;
}

const rows = (b: RecordBatch) => b.toArray().map((r) => r.toJSON());

/** Encodes, serializes for grpc, parses back and decodes: what a Flight peer receives. */
async function overTheWire(batches: RecordBatch[]): Promise<RecordBatch[]> {
  const encoder = new FlightDataEncoder();
  const wire = batches.flatMap((b) => encoder.encode(b)).map((m) => deserializeFlightData(serializeFlightData(m)));
  async function* source(): AsyncGenerator<FlightDataMessage> {
    yield* wire;
  }
  const out: RecordBatch[] = [];
  for await (const b of decodeFlightData(source())) out.push(b);
  return out;
}

/** The remembered IPC messages as one encapsulated IPC stream (what the WAL stores). */
function ipcStream(batch: RecordBatch): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { header, body } of receivedIpcOf(batch)!.messages) {
    const padded = (header.byteLength + 7) & ~7;
    const prefix = new Uint8Array(8 + padded);
    new DataView(prefix.buffer).setInt32(0, -1, true);
    new DataView(prefix.buffer).setInt32(4, padded, true);
    prefix.set(header, 8);
    parts.push(prefix, body);
  }
  parts.push(new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]));
  return Buffer.concat(parts);
}

describe("the dictionary wire form over Flight", () => {
  test("every table: same rows as the plain decode, and toPlainBatch gives the contract schema", async () => {
    for (const table of TABLE_NAMES) {
      const sent = wireBatch(table, "b-1");
      expect(sent.schema.fields.find((f) => f.name === "resource_attributes")!.type.toString()).toContain("Dictionary");
      const [received] = await overTheWire([sent]);
      const plain = decodeExport(table, readFileSync(join(FIXTURES, FIXTURE[table])), "json", "b-1").batch!;
      expect(rows(received!)).toEqual(rows(plain));
      const expanded = toPlainBatch(received!, TABLE_SCHEMAS[table]);
      expect(expanded.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(TABLE_SCHEMAS[table].fields.map((f) => `${f.name}:${f.type}`));
      expect(rows(expanded)).toEqual(rows(plain));
    }
  });

  test("several batches on one stream each bring their dictionaries; each remembers a standalone IPC stream", async () => {
    const sent = [wireBatch("traces", "b-1"), wireBatch("traces", "b-2")];
    const received = await overTheWire(sent);
    expect(received.map((b) => b.getChild("batch_id")!.get(0))).toEqual(["b-1", "b-2"]);
    for (let i = 0; i < sent.length; i++) {
      const stored = tableFromIPC(ipcStream(received[i]!)).batches[0]!;
      expect(rows(stored)).toEqual(rows(sent[i]!));
    }
  });

  test("plain batches are unchanged by toPlainBatch", () => {
    const plain = decodeExport("logs", readFileSync(join(FIXTURES, FIXTURE.logs)), "json", "b").batch!;
    expect(toPlainBatch(plain, TABLE_SCHEMAS.logs)).toBe(plain);
  });
});
