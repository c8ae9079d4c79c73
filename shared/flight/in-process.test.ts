/**
 * In-process DoPut (the monolith): the handler sees what a gRPC DoPut would give it — the
 * batch decoded from IPC messages (receivedIpcOf), the descriptor as JSON — and the caller
 * sees the same answers and errors, facts included; a closed server is reached over gRPC.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { RecordBatch } from "apache-arrow";
import { createLogger } from "../log/index.ts";
import { staleMapError, writerEpochOf } from "../writepath/index.ts";
import { allTypesSchema, makeBatch, rowsOf } from "../../test/helpers/flight-batches.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";
import { FlightClient, FlightError, InProcessFlight, receivedIpcOf, startFlightServer, type FlightServer } from "./index.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const SECRET = "s3cret";
const registry = new InProcessFlight();
const received: { batch: RecordBatch; hadIpc: boolean; descriptor: unknown }[] = [];
let server: FlightServer;

beforeAll(async () => {
  server = await startFlightServer({
    host: "127.0.0.1",
    port: 0,
    secret: SECRET,
    log: createLogger({ level: "error" }),
    inProcess: registry,
    handlers: {
      async doPut(descriptor, batches) {
        const d = descriptor as { key: string; wait?: number };
        if (d.key === "stale-map") throw staleMapError("writer-a", 7, "not a replica of shard 3");
        if (d.key === "broken") throw new Error("disk on fire");
        if (d.wait) await Bun.sleep(d.wait);
        for await (const batch of batches) received.push({ batch, hadIpc: receivedIpcOf(batch) !== undefined, descriptor });
        return { key: d.key, durable: true };
      },
    },
  });
});

afterAll(async () => {
  await server.close(1000);
});

test("a DoPut runs the handler in-process on the batch as decoded from its IPC messages", async () => {
  const batch = makeBatch(allTypesSchema, 50, 1);
  const client = new FlightClient(server.address, { secret: SECRET, inProcess: registry });
  expect(registry.server(server.address)).toBeDefined();
  expect(await client.put({ key: "a" }, [batch])).toEqual({ key: "a", durable: true });
  const got = received.at(-1)!;
  expect(got.descriptor).toEqual({ key: "a" });
  expect(got.hadIpc).toBe(true);
  expect(got.batch).not.toBe(batch);
  expect(rowsOf(got.batch)).toEqual(rowsOf(batch));
  client.close();
});

test("errors come back as the server's answers, facts included; the secret is checked", async () => {
  const client = new FlightClient(server.address, { secret: SECRET, inProcess: registry });
  const stale = await client.put({ key: "stale-map" }, [makeBatch(allTypesSchema, 1, 0)]).catch((e: unknown) => e as FlightError);
  expect(stale).toBeInstanceOf(FlightError);
  expect((stale as FlightError).codeName).toBe("FAILED_PRECONDITION");
  expect(writerEpochOf(stale as FlightError)).toBe(7);
  expect((stale as FlightError).answeredByPeer).toBe(true);
  const broken = (await client.put({ key: "broken" }, []).catch((e: unknown) => e)) as FlightError;
  expect([broken.codeName, broken.message, broken.answeredByPeer]).toEqual(["INTERNAL", "disk on fire", true]);
  const intruder = new FlightClient(server.address, { secret: "wrong", inProcess: registry });
  expect(((await intruder.put({ key: "a" }, []).catch((e: unknown) => e)) as FlightError).codeName).toBe("UNAUTHENTICATED");
  const late = (await client.put({ key: "slow", wait: 300 }, [], { deadlineMs: 50 }).catch((e: unknown) => e)) as FlightError;
  expect([late.codeName, late.answeredByPeer]).toEqual(["DEADLINE_EXCEEDED", false]);
  client.close();
  intruder.close();
});

test("once the server closes, calls go over the network and find it gone", async () => {
  const other = await startFlightServer({ host: "127.0.0.1", port: 0, log: createLogger({ level: "error" }), inProcess: registry, handlers: { doPut: async () => ({ ok: true }) } });
  const client = new FlightClient(other.address, { inProcess: registry });
  expect(await client.put({ key: "x" }, [])).toEqual({ ok: true });
  await other.close(100);
  expect(registry.server(other.address)).toBeUndefined();
  const gone = (await client.put({ key: "x" }, [], { deadlineMs: 2000 }).catch((e: unknown) => e)) as FlightError;
  expect(gone.isUnavailable || gone.isDeadlineExceeded).toBe(true);
  client.close();
});
