import { describe, expect, test } from "bun:test";
import { tracesSchema } from "../tables/tables.ts";
import { makeBatch, rowsOf } from "../../test/helpers/flight-batches.ts";
import { deserializeFlightData, serializeFlightData } from "./flight-data-codec.ts";
import { FlightDataEncoder, decodeFlightData } from "./ipc.ts";
import type { FlightDataMessage } from "./proto.ts";

/** What grpc-js hands the deserializer: the message after its 5-byte frame prefix, in a fresh buffer. */
function overTheWire(message: FlightDataMessage): FlightDataMessage {
  const bytes = serializeFlightData(message);
  const framed = Buffer.alloc(bytes.length + 5);
  framed.set(bytes, 5);
  return deserializeFlightData(framed.subarray(5));
}

describe("FlightData codec", () => {
  test("descriptor, header, app_metadata and a parted body round-trip; the body lands 8-byte aligned", async () => {
    const batch = makeBatch(tracesSchema, 300, 5);
    const [schemaMessage, batchMessage] = new FlightDataEncoder().encode(batch);
    const first = overTheWire({ ...schemaMessage!, flight_descriptor: { type: "CMD", cmd: Buffer.from('{"k":1}') } });
    expect(first.flight_descriptor).toEqual({ type: "CMD", cmd: Buffer.from('{"k":1}') });
    const second = overTheWire(Object.assign(batchMessage!, { app_metadata: Buffer.from("meta") }));
    expect(Buffer.from(second.app_metadata!).toString()).toBe("meta");
    expect(second.data_body!.byteOffset % 8).toBe(0);
    async function* messages() {
      yield first;
      yield second;
    }
    const out = [];
    for await (const b of decodeFlightData(messages())) out.push(b);
    expect(rowsOf(out[0]!)).toEqual(rowsOf(batch));
  });

  test("plain messages and PATH descriptors keep protobuf semantics; unknown fields are skipped", () => {
    const plain = overTheWire({ data_header: Buffer.from([1, 2, 3]), data_body: Buffer.from([4, 5]), flight_descriptor: { type: "PATH", path: ["a", "b"] } });
    expect([...plain.data_header!]).toEqual([1, 2, 3, 0, 0, 0, 0, 0].slice(0, plain.data_header!.length));
    expect([...plain.data_body!]).toEqual([4, 5]);
    expect(plain.flight_descriptor).toEqual({ type: "PATH", path: ["a", "b"] });
    // field 15 (varint) and field 16 (bytes) are not FlightData fields
    const withUnknown = Buffer.concat([Buffer.from([15 << 3, 7, (16 << 3) | 2, 0x01, 2, 1, 9]), serializeFlightData({ app_metadata: Buffer.from("x") })]);
    expect(deserializeFlightData(withUnknown)).toEqual({ app_metadata: Buffer.from("x") });
    expect(deserializeFlightData(Buffer.alloc(0))).toEqual({});
  });

  test("a truncated message is refused", () => {
    const bytes = serializeFlightData({ data_header: Buffer.alloc(40, 1), data_body: Buffer.alloc(100, 2) });
    expect(() => deserializeFlightData(bytes.subarray(0, bytes.length - 10))).toThrow();
  });
});
