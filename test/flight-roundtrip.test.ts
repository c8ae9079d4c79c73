/** Flight server and client in one process: data fidelity through real gRPC on loopback. */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { RecordBatch, Table } from "apache-arrow";
import { createLogger } from "../shared/log/index.ts";
import { tracesSchema, logsSchema } from "../shared/tables/index.ts";
import { staleMapError, writerEpochOf } from "../shared/writepath/index.ts";
import {
  FlightClient, FlightError, startFlightServer, withSchema, type CallContext, type FlightServer,
} from "../shared/flight/index.ts";
import { allTypesSchema, makeBatch, rowsOf, BASE_NS } from "./helpers/flight-batches.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const stored = new Map<string, RecordBatch[]>();
const seenSignals: AbortSignal[] = [];
let server: FlightServer;
let client: FlightClient;

beforeAll(async () => {
  server = await startFlightServer({
    host: "127.0.0.1",
    port: 0,
    log: createLogger({ level: "error" }),
    handlers: {
      async doPut(descriptor, batches) {
        const { key } = descriptor as { key: string };
        if (key === "stale-map") throw staleMapError("writer-a", 7, "not a replica of shard 3");
        const got: RecordBatch[] = [];
        for await (const b of batches) got.push(b);
        stored.set(key, got);
        return { key, rows: got.reduce((n, b) => n + b.numRows, 0), batches: got.length };
      },
      async doGet(ticket, ctx: CallContext) {
        const t = ticket as { key?: string; table?: string; schemaOnly?: boolean; endless?: boolean };
        if (t.table === "logs") return new Table(logsSchema); // an empty Table still names its columns
        if (t.schemaOnly) return withSchema(tracesSchema, []);
        if (t.endless) {
          seenSignals.push(ctx.signal);
          return (async function* () {
            for (let i = 0; !ctx.signal.aborted; i++) yield makeBatch(allTypesSchema, 10, i);
          })();
        }
        const batches = stored.get(String(t.key));
        if (!batches) throw new FlightError("NOT_FOUND", `no ${t.key}`);
        return batches;
      },
    },
  });
  client = new FlightClient(server.address);
});

afterAll(async () => {
  client.close();
  await server.close(1000);
});

async function putAndGet(key: string, batches: RecordBatch[]) {
  const ack = await client.put({ key }, batches);
  const back: RecordBatch[] = [];
  for await (const b of client.get({ key })) back.push(b);
  return { ack, back };
}

describe("Flight round-trip (in-process)", () => {
  test("all column types with nulls, several batches, exact values", async () => {
    const sent = [makeBatch(allTypesSchema, 64, 1), makeBatch(allTypesSchema, 10, 2), makeBatch(allTypesSchema, 1, 3)];
    const { ack, back } = await putAndGet("multi", sent);
    expect(ack).toEqual({ key: "multi", rows: 75, batches: 3 });
    expect(back.length).toBe(3);
    for (let i = 0; i < 3; i++) expect(rowsOf(back[i])).toEqual(rowsOf(sent[i]));
  });

  test("traces schema: ns timestamps come back as the exact BigInt", async () => {
    const sent = makeBatch(tracesSchema, 1000, 5);
    const table = await (async () => {
      await client.put({ key: "traces" }, [sent]);
      return client.getTable({ key: "traces" });
    })();
    expect(table.numRows).toBe(1000);
    expect(table.getChild("start_time_unix_nano")!.get(999)).toBe(BASE_NS + 5_000_000_000n + 999n);
    expect(rowsOf(table)).toEqual(rowsOf(sent));
  });

  test("an empty batch round-trips as an empty batch", async () => {
    const { ack, back } = await putAndGet("empty", [makeBatch(allTypesSchema, 0)]);
    expect(ack).toEqual({ key: "empty", rows: 0, batches: 1 });
    expect(back.map((b) => b.numRows)).toEqual([0]);
  });

  test("a put with no batches still reaches the handler (descriptor only)", async () => {
    const { ack, back } = await putAndGet("none", []);
    expect(ack).toEqual({ key: "none", rows: 0, batches: 0 });
    expect(back).toEqual([]);
    const table = await client.getTable({ key: "none" });
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.length).toBe(0);
  });

  test("empty answers keep the schema when the server knows it", async () => {
    const logs = await client.getTable({ table: "logs" });
    expect(logs.numRows).toBe(0);
    expect(logs.schema.fields.map((f) => f.name)).toEqual(logsSchema.fields.map((f) => f.name));
    const traces = await client.getTable({ schemaOnly: true });
    expect(traces.schema.fields.length).toBe(tracesSchema.fields.length);
  });

  test("a batch over 4 MiB goes through (message limits raised)", async () => {
    const big = makeBatch(tracesSchema, 2048, 7, 700);
    const bodyBytes = big.data.children.reduce((n, c) => n + (c.values?.byteLength ?? 0) + (c.valueOffsets?.byteLength ?? 0), 0);
    expect(bodyBytes).toBeGreaterThan(4 * 1024 * 1024);
    const { ack, back } = await putAndGet("big", [big, makeBatch(tracesSchema, 100, 8)]);
    expect(ack).toEqual({ key: "big", rows: 2148, batches: 2 });
    expect(back[0].numRows).toBe(2048);
    // Whole columns compared as arrays (fast); full rows on a slice (every type, nulls).
    for (const name of ["attributes", "name", "start_time_unix_nano", "kind"]) {
      expect(back[0].getChild(name)!.toArray()).toEqual(big.getChild(name)!.toArray());
    }
    expect(rowsOf(back[0].slice(1900))).toEqual(rowsOf(big.slice(1900)));
  });

  test("put accepts an async iterable of batches", async () => {
    async function* produce() {
      for (let i = 0; i < 4; i++) yield makeBatch(allTypesSchema, 25, i);
    }
    expect(await client.put({ key: "async" }, produce())).toEqual({ key: "async", rows: 100, batches: 4 });
  });

  test("a failing batch source cancels the put and surfaces its own error", async () => {
    async function* broken() {
      yield makeBatch(allTypesSchema, 5);
      throw new Error("source broke");
    }
    await expect(client.put({ key: "broken" }, broken())).rejects.toThrow("source broke");
  });

  test("a put whose batch source stalls still ends at its deadline", async () => {
    async function* stalled() {
      yield makeBatch(allTypesSchema, 5);
      await new Promise(() => undefined); // never yields again
    }
    const err = await client.put({ key: "stalled" }, stalled(), { deadlineMs: 300 }).then(() => undefined, (e: FlightError) => e);
    expect(err).toBeInstanceOf(FlightError);
    expect(err!.codeName).toBe("DEADLINE_EXCEEDED");
  });

  test("an unknown ticket is NOT_FOUND; a missing handler is UNIMPLEMENTED", async () => {
    const notFound = await client.getTable({ key: "nope" }).then(() => undefined, (e: FlightError) => e);
    expect(notFound).toBeInstanceOf(FlightError);
    expect(notFound!.codeName).toBe("NOT_FOUND");
    const unimplemented = await client.action("anything", {}).then(() => undefined, (e: FlightError) => e);
    expect(unimplemented!.codeName).toBe("UNIMPLEMENTED");
  });

  test("a refused write's facts (the writer's epoch) reach the client as data, not text to parse", async () => {
    const refused = await client.put({ key: "stale-map" }, [makeBatch(allTypesSchema, 1)]).then(() => undefined, (e: FlightError) => e);
    expect(refused).toBeInstanceOf(FlightError);
    expect(refused!.codeName).toBe("FAILED_PRECONDITION");
    expect(refused!.message).toBe("writer writer-a at epoch 7: not a replica of shard 3");
    expect(refused!.facts).toMatchObject({ "signalbox-writer-epoch": "7" });
    expect(writerEpochOf(refused!)).toBe(7);
    // Other refusals carry no epoch.
    const notFound = await client.getTable({ key: "nope" }).then(() => undefined, (e: FlightError) => e);
    expect(writerEpochOf(notFound!)).toBeUndefined();
  });

  test("leaving a get early cancels the call on the server", async () => {
    let n = 0;
    for await (const _ of client.get({ endless: true })) if (++n === 3) break;
    const signal = seenSignals.at(-1)!;
    for (let i = 0; i < 100 && !signal.aborted; i++) await Bun.sleep(20);
    expect(signal.aborted).toBe(true);
  });

  test("aborting the caller's signal cancels with CANCELLED", async () => {
    const controller = new AbortController();
    const pending = (async () => {
      for await (const _ of client.get({ endless: true }, { signal: controller.signal })) controller.abort();
    })();
    const err = await pending.then(() => undefined, (e: FlightError) => e);
    expect(err).toBeInstanceOf(FlightError);
    expect(err!.codeName).toBe("CANCELLED");
    const already = await client.action("x", {}, { signal: controller.signal }).then(() => undefined, (e: FlightError) => e);
    expect(already!.codeName).toBe("CANCELLED");
  });
});
