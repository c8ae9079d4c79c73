/**
 * Flight across processes: the server runs in its own Bun process (test/helpers/flight-echo-server.ts).
 * Covers auth, error-code propagation, deadlines, and a peer that dies mid-call.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { RecordBatch } from "apache-arrow";
import { tracesSchema } from "../shared/tables/index.ts";
import { FlightClient, FlightClientPool, FlightError, grpcToHttpStatus } from "../shared/flight/index.ts";
import { allTypesSchema, makeBatch, rowsOf } from "./helpers/flight-batches.ts";
import { spawnFlightEchoServer, type EchoServerProcess } from "./helpers/flight-process.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const SECRET = `secret-${crypto.randomUUID()}`;
let echo: EchoServerProcess;
let client: FlightClient;

beforeAll(async () => {
  echo = await spawnFlightEchoServer({ secret: SECRET });
  client = new FlightClient(echo.address, { secret: SECRET });
});

afterAll(async () => {
  client?.close();
  await echo?.stop();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(FlightError);
      return err as FlightError;
    },
  );

describe("Flight across processes", () => {
  test("DoPut, DoGet and DoAction round-trip", async () => {
    const sent = [makeBatch(tracesSchema, 300, 1), makeBatch(tracesSchema, 50, 2)];
    const ack = await client.put({ key: "t1", batch_id: "b-1" }, sent);
    expect(ack).toEqual({ batch_id: "b-1", durable: true, rows: 350, batches: 2 });
    const back: RecordBatch[] = [];
    for await (const b of client.get({ key: "t1" })) back.push(b);
    expect(back.map((b) => b.numRows)).toEqual([300, 50]);
    expect(rowsOf(back[0])).toEqual(rowsOf(sent[0]));
    expect(rowsOf(back[1])).toEqual(rowsOf(sent[1]));

    const echoed = (await client.action("echo", { hello: "world" }, { metadata: { "x-request-id": "r1" } })) as {
      body: unknown; metadata: Record<string, string>; hasDeadline: boolean;
    };
    expect(echoed.body).toEqual({ hello: "world" });
    expect(echoed.metadata["x-request-id"]).toBe("r1");
    expect(echoed.metadata["x-signalbox-secret"]).toBeUndefined(); // never handed to handlers
    expect(echoed.hasDeadline).toBe(true); // every call carries a deadline
    expect(await client.listActions()).toEqual([{ type: "echo", description: "returns its body" }]);
  });

  test("a missing or wrong secret is UNAUTHENTICATED on every method", async () => {
    for (const secret of [undefined, "wrong", SECRET + "x"]) {
      const intruder = new FlightClient(echo.address, secret === undefined ? {} : { secret });
      try {
        for (const call of [
          () => intruder.action("echo", {}),
          () => intruder.put({ key: "intrusion" }, [makeBatch(allTypesSchema, 3)]),
          () => intruder.getTable({ key: "t1" }),
        ]) {
          const err = await failure(call());
          expect(err.codeName).toBe("UNAUTHENTICATED");
          expect(grpcToHttpStatus(err.code)).toBe(401);
        }
      } finally {
        intruder.close();
      }
    }
  });

  test("handler error codes reach the client; other errors are INTERNAL", async () => {
    const notFound = await failure(client.getTable({ key: "missing" }));
    expect(notFound.codeName).toBe("NOT_FOUND");
    expect(notFound.message).toContain("missing");

    const exhausted = await failure(client.action("fail", { code: "RESOURCE_EXHAUSTED", message: "slow down" }));
    expect(exhausted.codeName).toBe("RESOURCE_EXHAUSTED");
    expect(exhausted.message).toBe("slow down");
    expect(exhausted.isRetryable).toBe(true);

    const numeric = await failure(client.action("fail", { code: 9, message: "stale epoch" }));
    expect(numeric.codeName).toBe("FAILED_PRECONDITION");

    const putFailed = await failure(
      client.put({ key: "p", fail: { code: "INVALID_ARGUMENT", message: "bad rows" } }, [makeBatch(allTypesSchema, 2)]),
    );
    expect(putFailed.codeName).toBe("INVALID_ARGUMENT");
    expect(putFailed.message).toBe("bad rows");

    const boom = await failure(client.action("boom", { message: "kaput" }));
    expect(boom.codeName).toBe("INTERNAL");
    expect(boom.message).toBe("kaput");
    expect(boom.isUnavailable).toBe(false);
  });

  test("a call past its deadline fails with DEADLINE_EXCEEDED", async () => {
    const err = await failure(client.action("sleep", { ms: 10_000 }, { deadlineMs: 300 }));
    expect(err.codeName).toBe("DEADLINE_EXCEEDED");
    expect(err.isDeadlineExceeded).toBe(true);
    const slowPut = await failure(client.put({ key: "slow", sleepMs: 10_000 }, [makeBatch(allTypesSchema, 2)], { deadlineMs: 300 }));
    expect(slowPut.codeName).toBe("DEADLINE_EXCEEDED");
  });
});

describe("a Flight peer that dies", () => {
  test("in-flight and later calls fail as unavailable, without hanging", async () => {
    const doomed = await spawnFlightEchoServer({ secret: SECRET });
    const pool = new FlightClientPool({ secret: SECRET });
    try {
      const peer = pool.get(doomed.address);
      expect(pool.get(doomed.address)).toBe(peer);
      expect(await peer.action("pid", {})).toEqual({ pid: doomed.pid });

      const inFlight = failure(peer.action("sleep", { ms: 20_000 }, { deadlineMs: 15_000 }));
      await Bun.sleep(150);
      await doomed.kill();
      const err = await inFlight;
      expect(err.isUnavailable).toBe(true);
      expect(grpcToHttpStatus(err.code)).toBe(503);

      // A DoPut still streaming when the peer vanished stops pulling batches and fails too.
      const streaming = await spawnFlightEchoServer({ secret: SECRET });
      const target = pool.get(streaming.address);
      let produced = 0;
      async function* endless() {
        for (;;) {
          produced++;
          yield makeBatch(allTypesSchema, 500, produced);
          await Bun.sleep(5);
        }
      }
      const midPut = failure(target.put({ key: "stream", discard: true }, endless(), { deadlineMs: 15_000 }));
      while (produced < 5) await Bun.sleep(20);
      await streaming.kill();
      expect((await midPut).isUnavailable).toBe(true);
      // At most the one batch already being produced completes; then the source is left alone.
      await Bun.sleep(100);
      const producedAfterFailure = produced;
      await Bun.sleep(200);
      expect(produced).toBe(producedAfterFailure);

      const later = await failure(peer.put({ key: "x" }, [makeBatch(allTypesSchema, 5)], { deadlineMs: 5_000 }));
      expect(later.isUnavailable).toBe(true);

      pool.drop(doomed.address);
      pool.drop(streaming.address);
      expect(pool.size).toBe(0);
      const fresh = await failure(pool.get(doomed.address).getTable({ key: "x" }, { deadlineMs: 5_000 }));
      expect(fresh.isUnavailable).toBe(true);
    } finally {
      pool.closeAll();
      if (doomed.proc.exitCode === null) await doomed.kill();
    }
  });
});
