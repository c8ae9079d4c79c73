import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { openDuckDB, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";
import { withDeadline } from "./deadline.ts";
import { FreshConnections } from "./fresh-connections.ts";
import { LazyConnection } from "./lazy-connection.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let handle: DuckDBHandle | undefined;
afterEach(() => handle?.close());

describe("LazyConnection", () => {
  test("one connection per query, taken on first use and handed back once", async () => {
    handle = await openDuckDB();
    const pool = new FreshConnections(handle.instance);
    const lazy = new LazyConnection(pool);
    const first = await lazy.get();
    await first.run("CREATE TEMP VIEW src AS SELECT 1 AS x");
    // The same connection: the query's temp view is still there.
    expect((await (await lazy.get()).runAndReadAll("SELECT x FROM src")).getRows()).toEqual([[1]]);
    lazy.release();
    // A query that never needed DuckDB takes nothing, and hands nothing back.
    new LazyConnection(pool).release();
    await Bun.sleep(10);
    await pool.close();
  });

  test("past its deadline a query starts no statement, and one running is interrupted", async () => {
    handle = await openDuckDB();
    const pool = new FreshConnections(handle.instance);
    const idle = new LazyConnection(pool);
    const late = withDeadline(idle, 20, false, async () => {
      await Bun.sleep(100);
      return (await idle.get()).runAndReadAll("SELECT 1");
    });
    await expect(late).rejects.toMatchObject({ code: "DEADLINE_EXCEEDED" });
    idle.release();
    const busy = new LazyConnection(pool);
    const slow = withDeadline(busy, 200, false, async () => (await busy.get()).runAndReadAll("SELECT count(*) FROM range(10000000000) a"));
    await expect(slow).rejects.toMatchObject({ code: "DEADLINE_EXCEEDED" });
    busy.release();
    await Bun.sleep(10);
    await pool.close();
  });
});
