import { afterEach, describe, expect, test } from "bun:test";
import { openDuckDB, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { QueryEngine } from "./engine.ts";
import { FreshConnections } from "./fresh-connections.ts";

const log = createLogger({ level: "warn", bindings: {} });

let handle: DuckDBHandle | undefined;
afterEach(() => handle?.close());

describe("FreshConnections", () => {
  test("every query gets a connection of its own: one query's temp view is not seen by the next", async () => {
    handle = await openDuckDB();
    const connections = new FreshConnections(handle.instance);
    const first = await connections.take();
    await first.run("CREATE TEMP VIEW src AS SELECT 1 AS x");
    connections.discard(first);
    const second = await connections.take();
    expect(second).not.toBe(first);
    // The same name again: it would clash on a reused connection.
    await second.run("CREATE TEMP VIEW src AS SELECT 2 AS x");
    expect((await second.runAndReadAll("SELECT x FROM src")).getRows()).toEqual([[2]]);
    connections.discard(second);
    await connections.close();
  });

  test("concurrent takes get distinct connections, beyond the spares kept", async () => {
    handle = await openDuckDB();
    const connections = new FreshConnections(handle.instance, 1);
    const taken = await Promise.all([connections.take(), connections.take(), connections.take()]);
    expect(new Set(taken).size).toBe(3);
    for (const c of taken) expect((await c.runAndReadAll("SELECT 42")).getRows()).toEqual([[42]]);
    for (const c of taken) connections.discard(c);
    await connections.close();
  });

  test("close() right after a discard closes everything before the instance goes", async () => {
    handle = await openDuckDB();
    const connections = new FreshConnections(handle.instance);
    const used = await connections.take();
    expect((await used.runAndReadAll("SELECT 1")).getRows()).toEqual([[1]]);
    connections.discard(used);
    await connections.close();
    handle.close();
    handle = undefined;
    await new Promise((resolve) => setImmediate(resolve));
  });

  test("an engine closed right after it opened waits for the spares still opening (a connect finishing after its instance closed crashed the process)", async () => {
    for (let i = 0; i < 20; i++) await (await QueryEngine.open({ log })).close();
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
