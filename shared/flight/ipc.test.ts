import { describe, expect, test } from "bun:test";
import { RecordBatch, Schema, Field, Int32 } from "apache-arrow";
import { tracesSchema, metricsSchema } from "../tables/tables.ts";
import { allTypesSchema, makeBatch, rowsOf, BASE_NS } from "../../test/helpers/flight-batches.ts";
import { FlightError } from "./errors.ts";
import { FlightDataEncoder, decodeFlightData, schemaFlightData } from "./ipc.ts";
import type { FlightDataMessage } from "./proto.ts";

async function* fromArray(messages: FlightDataMessage[]) {
  yield* messages;
}

async function roundTrip(batches: RecordBatch[], schema?: Schema) {
  const encoder = new FlightDataEncoder();
  const messages: FlightDataMessage[] = schema ? encoder.start(schema) : [];
  for (const b of batches) messages.push(...encoder.encode(b));
  const decoded = decodeFlightData(fromArray(messages));
  const out: RecordBatch[] = [];
  for await (const b of decoded) out.push(b);
  return { out, schema: decoded.schema, messages };
}

describe("Arrow IPC ↔ FlightData", () => {
  test("all column types with nulls round-trip exactly, over several batches", async () => {
    const sent = [makeBatch(allTypesSchema, 100, 1), makeBatch(allTypesSchema, 37, 2), makeBatch(allTypesSchema, 1, 3)];
    const { out, messages } = await roundTrip(sent);
    expect(messages.length).toBe(1 + sent.length); // schema once, then one message per batch
    expect(out.map((b) => b.numRows)).toEqual([100, 37, 1]);
    for (let i = 0; i < sent.length; i++) expect(rowsOf(out[i])).toEqual(rowsOf(sent[i]));
    expect(out[0].getChild("s")!.nullCount).toBeGreaterThan(0);
    expect(out[0].getChild("i64")!.get(0)).toBe(BASE_NS + 1_000_000_000n);
  });

  test("the Signalbox table schemas round-trip (ns Int64 exact as BigInt)", async () => {
    for (const schema of [tracesSchema, metricsSchema]) {
      const sent = makeBatch(schema, 500, 9);
      const { out, schema: got } = await roundTrip([sent]);
      expect(got!.fields.map((f) => `${f.name}:${f.type}`)).toEqual(schema.fields.map((f) => `${f.name}:${f.type}`));
      expect(rowsOf(out[0])).toEqual(rowsOf(sent));
      const ns = out[0].getChild(schema === tracesSchema ? "start_time_unix_nano" : "time_unix_nano")!.get(499);
      expect(typeof ns).toBe("bigint");
      expect(ns).toBe(BASE_NS + 9_000_000_000n + 499n);
    }
  });

  test("an empty (0-row) batch is delivered as one empty batch", async () => {
    const { out } = await roundTrip([makeBatch(allTypesSchema, 0)]);
    expect(out.length).toBe(1);
    expect(out[0].numRows).toBe(0);
  });

  test("a schema-only stream yields no batches but reports the schema", async () => {
    const { out, schema } = await roundTrip([], tracesSchema);
    expect(out).toEqual([]);
    expect(schema!.fields.length).toBe(tracesSchema.fields.length);
  });

  test("no messages at all: no batches, no schema", async () => {
    const { out, schema } = await roundTrip([]);
    expect(out).toEqual([]);
    expect(schema).toBeUndefined();
  });

  test("bodies stripped of trailing padding are accepted", async () => {
    const encoder = new FlightDataEncoder();
    const messages = encoder.encode(makeBatch(allTypesSchema, 3, 4));
    const last = messages[messages.length - 1];
    const stripped = { ...last, data_body: last.data_body.subarray(0, last.data_body.length - 4) };
    const out: RecordBatch[] = [];
    for await (const b of decodeFlightData(fromArray([...messages.slice(0, -1), stripped]))) out.push(b);
    expect(out[0].numRows).toBe(3);
  });

  test("a batch with another schema mid-stream is refused", () => {
    const encoder = new FlightDataEncoder();
    encoder.encode(makeBatch(allTypesSchema, 2));
    const other = makeBatch(new Schema([new Field("x", new Int32())]), 2);
    expect(() => encoder.encode(other)).toThrow(FlightError);
  });

  test("a garbage header is INVALID_ARGUMENT", async () => {
    const garbage = { data_header: Buffer.from("not a flatbuffer at all"), data_body: Buffer.alloc(0) };
    const run = async () => {
      for await (const _ of decodeFlightData(fromArray([schemaFlightData(allTypesSchema), garbage]))) void _;
    };
    const err = await run().catch((e) => e);
    expect(err).toBeInstanceOf(FlightError);
    expect((err as FlightError).codeName).toBe("INVALID_ARGUMENT");
  });

  test("errors of the message source pass through unchanged", async () => {
    const boom = new FlightError("UNAVAILABLE", "peer went away");
    async function* failing() {
      yield schemaFlightData(allTypesSchema) as FlightDataMessage;
      throw boom;
    }
    const err = await (async () => {
      for await (const _ of decodeFlightData(failing())) void _;
    })().catch((e) => e);
    expect(err).toBe(boom);
  });
});
