/**
 * Flight servers accept HTTP/2 sessions with 16 MiB receive windows (receive-window.ts):
 * grpc-js must still expose what that relies on, and large DoPut calls on connections that
 * have only just opened must never stall (a connection window wider than its streams' did).
 */
import { describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { tracesSchema } from "../tables/tables.ts";
import { makeBatch } from "../../test/helpers/flight-batches.ts";
import { spawnFlightEchoServer } from "../../test/helpers/flight-process.ts";
import { FlightClient } from "./client.ts";
import { widenServerReceiveWindows } from "./receive-window.ts";

describe("Flight receive windows", () => {
  test("a bound grpc-js server's sessions can be widened (its internals still have that shape)", async () => {
    const server = new grpc.Server();
    expect(widenServerReceiveWindows(server)).toBe(false); // not bound: nothing to widen yet
    await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    try {
      expect(widenServerReceiveWindows(server)).toBe(true);
    } finally {
      server.forceShutdown();
    }
  });

  test("multi-MiB DoPut calls on fresh connections, several at once, all complete", async () => {
    const batch = makeBatch(tracesSchema, 8192, 1); // ~4 MiB
    const server = await spawnFlightEchoServer();
    try {
      for (let round = 0; round < 5; round++) {
        const clients = [new FlightClient(server.address), new FlightClient(server.address)];
        const answers = await Promise.all(
          clients.map((client, i) => client.put({ key: "w", discard: true }, i === 0 ? [batch] : [batch, batch, batch, batch, batch], { deadlineMs: 20_000 })),
        );
        expect(answers.map((a) => (a as { rows: number }).rows)).toEqual([8192, 5 * 8192]);
        for (const client of clients) client.close();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});
