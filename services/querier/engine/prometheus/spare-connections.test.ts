/**
 * A first decode split over the query's connection and a spare decodes exactly what one
 * connection does; a half that fails stops the other (interrupted) and its own error is the
 * one reported; the spare is always given back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../../shared/duckdb/index.ts";
import { FileSamplesCache, type FamilySamples } from "./file-samples.ts";
import { FileSeriesCache } from "./file-series.ts";
import { inHalves, type SpareConnections } from "./spare-connections.ts";

const NUMBER_TYPES = ["gauge", "sum", "prometheus"];
let handle: DuckDBHandle;
let dir: string;
const files: string[] = [];

beforeAll(async () => {
  handle = await openDuckDB();
  dir = mkdtempSync(join(tmpdir(), "sb-spare-connections-"));
  // Five files of two families, series out of time order in some, a stale marker and an exemplar-only row.
  for (let f = 0; f < 5; f++) {
    const path = join(dir, `${f}.parquet`);
    await handle.connection.run(
      `COPY (SELECT CASE WHEN i % 3 = 0 THEN 'y' ELSE 'x_total' END AS metric_name, '' AS metric_unit, 'prometheus' AS metric_type, false AS is_monotonic,
                    0 AS aggregation_temporality, ((${f} * 1000 + (i * 7919) % 1000) * 1000000)::BIGINT AS time_unix_nano,
                    CASE WHEN i % 97 = 5 THEN NULL ELSE (i * 1.5)::DOUBLE END AS value_double, NULL::BIGINT AS value_int,
                    CASE WHEN i % 89 = 3 THEN 1 ELSE 0 END::BIGINT AS flags,
                    '[{"key":"instance","value":{"stringValue":"' || (i % 11) || '"}}]' AS attributes, '[]' AS resource_attributes, '' AS distribution
             FROM range(${300 + 40 * f}) t(i)) TO ${quoteLiteral(path)} (FORMAT parquet)`,
    );
    files.push(path);
  }
});

afterAll(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

function plain(entries: Map<string, FamilySamples>[]) {
  return entries.map((byName) =>
    [...byName].map(([name, e]) => ({ name, offsets: [...e.offsets], times: [...e.times], words: [...e.valueWords], skips: e.skips === null ? null : [...e.skips] })),
  );
}

describe("a first decode split over two connections", () => {
  test("decodes what one connection decodes, and gives the spare back", async () => {
    const names = new Set(["x_total", "y"]);
    const maps = await new FileSeriesCache().of(handle.connection, files, NUMBER_TYPES);
    const one = await new FileSamplesCache(1 << 20).fill(handle.connection, files, maps, names, NUMBER_TYPES, () => {});
    const taken: DuckDBConnection[] = [];
    const released: DuckDBConnection[] = [];
    const spares: SpareConnections = {
      take: async () => {
        const c = await handle.instance.connect();
        taken.push(c);
        return c;
      },
      release: (c) => {
        released.push(c);
        c.closeSync();
      },
    };
    const two = await new FileSamplesCache(1 << 20).fill(handle.connection, files, maps, names, NUMBER_TYPES, () => {}, spares);
    expect(taken.length).toBe(1);
    expect(released).toEqual(taken);
    expect(plain(two)).toEqual(plain(one));
    expect(plain(one).flat().some((f) => f.skips !== null)).toBe(true);
  });

  test("a failing half interrupts the other, and its own error is thrown", async () => {
    const spare = await handle.instance.connect();
    let released = false;
    const spares: SpareConnections = { take: async () => spare, release: () => void (released = true) };
    const slow = `SELECT count(*) FROM range(2000000000) a(i) WHERE i % 7 = 3`;
    const started = performance.now();
    const run = inHalves(handle.connection, spares, 4, async (c, from) => {
      if (from === 0) return (await c.runAndReadAll(slow)).getRows();
      await Bun.sleep(50);
      throw new Error("second half failed");
    });
    await expect(run).rejects.toThrow("second half failed");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(released).toBe(true);
    spare.closeSync();
    // The interrupted connection still runs the next statement.
    expect((await handle.connection.runAndReadAll("SELECT 42")).getRows()).toEqual([[42]]);
  });

  test("few files are read on the query's connection alone", async () => {
    let takes = 0;
    const spares: SpareConnections = { take: async () => (takes++, handle.instance.connect()), release: (c) => c.closeSync() };
    expect(await inHalves(handle.connection, spares, 3, async (_, from, to) => [from, to])).toEqual([[0, 3]]);
    expect(takes).toBe(0);
  });
});
