/**
 * The DuckDB series source on rows shaped like stored remote write samples: what a selector
 * gets back when a series' rows arrive in several runs (files newest first) or woven from two
 * sequences (DuckDB's threads), with a stale
 * marker, a row holding only exemplars, and the sample limit.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openDuckDB, type DuckDBHandle } from "../../../../shared/duckdb/index.ts";
import { staleFlags } from "../../../../shared/series/index.ts";
import { DuckDBMetricsSource } from "./metrics-source.ts";

let handle: DuckDBHandle;

/** One stored row: series `instance`, time in ms, value (null: exemplar only), flags (1: stale). */
type Row = [instance: string, timeMs: number, value: number | null, flags: number];

// Two "files" of one series each: the newer hour first, as the source view lists them.
const ROWS: Row[] = [
  ["a", 3_600_000, 10, 0], ["a", 3_615_000, 11, 0], ["a", 3_630_000, 0, 1],
  ["b", 3_600_000, 5, 0],
  ["a", 0, 1, 0], ["a", 15_000, 2, 0], ["a", 30_000, null, 0],
  ["b", 0, 4, 0],
  // Two ascending sequences woven together, as DuckDB's threads may yield row groups.
  ["c", 0, 1, 0], ["c", 60_000, 5, 0], ["c", 15_000, 2, 0], ["c", 75_000, 6, 0], ["c", 30_000, 3, 0], ["c", 45_000, 4, 0],
];

beforeAll(async () => {
  handle = await openDuckDB();
  const values = ROWS.map(([instance, t, v, f]) =>
    `('x_total', '', 'prometheus', false, 0, ${BigInt(t) * 1_000_000n}, ${v === null ? "NULL" : `${v}::DOUBLE`}, NULL::BIGINT, ${f}::BIGINT,
      '[{"key":"instance","value":{"stringValue":"${instance}"}}]', '[]', '')`);
  await handle.connection.run(
    `CREATE TABLE m AS SELECT * FROM (VALUES ${values.join(", ")})
     t(metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality, time_unix_nano, value_double, value_int, flags, attributes, resource_attributes, distribution)`,
  );
});

afterAll(() => handle.close());

describe("DuckDBMetricsSource, number series", () => {
  test("each series in time order, stale marker kept, exemplar-only row skipped", async () => {
    const source = new DuckDBMetricsSource(handle.connection, "m", { maxSamples: 100 });
    const series = await source.select({ matchers: [{ name: "__name__", op: "=", value: "x_total" }], startMs: 0, endMs: 4_000_000 });
    expect(series.map((s) => s.labels)).toEqual(["a", "b", "c"].map((instance) => ({ __name__: "x_total", instance })));
    const [a, b, c] = series;
    expect([...a!.timestampsMs]).toEqual([0, 15_000, 3_600_000, 3_615_000, 3_630_000]);
    expect([...a!.values.subarray(0, 4)]).toEqual([1, 2, 10, 11]);
    expect([...(staleFlags(a!.values) ?? [])]).toEqual([0, 0, 0, 0, 1]);
    expect([...b!.timestampsMs]).toEqual([0, 3_600_000]);
    expect([...b!.values]).toEqual([4, 5]);
    expect([...c!.timestampsMs]).toEqual([0, 15_000, 30_000, 45_000, 60_000, 75_000]);
    expect([...c!.values]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("a selection past the sample limit is refused", async () => {
    const source = new DuckDBMetricsSource(handle.connection, "m", { maxSamples: 10 });
    await expect(source.select({ matchers: [{ name: "__name__", op: "=", value: "x_total" }], startMs: 0, endMs: 4_000_000 })).rejects.toThrow(/too many samples/);
  });
});
