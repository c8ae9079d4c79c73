import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { Message } from "apache-arrow";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";
import { tracesSchema, logsSchema } from "../tables/tables.ts";
import { schemaFlightData } from "./ipc.ts";
import { decodedSchema } from "./schema-cache.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const decode = (header: Uint8Array) => decodedSchema(header, Message.decode(header));

describe("decoded schema cache", () => {
  test("equal bytes give equal schemas, each with maps of its own; other bytes their own schema", () => {
    const traces = schemaFlightData(tracesSchema).data_header;
    const first = decode(traces);
    const second = decode(Uint8Array.from(traces));
    expect(second.fields.map((f) => `${f.name}:${f.type}`)).toEqual(tracesSchema.fields.map((f) => `${f.name}:${f.type}`));
    expect(second.fields).toEqual(first.fields);
    second.metadata.set("added", "1");
    expect(first.metadata.has("added")).toBe(false);
    expect(decode(traces).metadata.has("added")).toBe(false);
    const logs = decode(schemaFlightData(logsSchema).data_header);
    expect(logs.fields.map((f) => f.name)).toEqual(logsSchema.fields.map((f) => f.name));
  });
});
