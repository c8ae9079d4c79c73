/**
 * Number series read from Parquet files through their cached row maps (file-series.ts) plus
 * live rows must be exactly what the grouped read of the same rows through one view gives:
 * series spread over files and live rows, files listed newest first, a stale marker, a row
 * holding only exemplars, a file without the selected metric, retention, and the sample limit
 * (counted from the row maps, then exactly when the maps' whole-file counts pass it).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../../shared/duckdb/index.ts";
import type { RawSeries, SelectRequest } from "../../../../shared/series/index.ts";
import { FileFamilies } from "./file-families.ts";
import { FileSamplesCache } from "./file-samples.ts";
import { FileSeriesCache } from "./file-series.ts";
import { DuckDBMetricsSource, type MetricsSources } from "./metrics-source.ts";

/** One stored row: metric, series `instance`, time in ms, value (null: exemplar only), flags (1: stale). */
type Row = [metric: string, instance: string, timeMs: number, value: number | null, flags: number];

const HOUR = 3_600_000;
const FILES: Row[][] = [
  [["x_total", "a", 0, 1, 0], ["x_total", "b", 0, 4, 0], ["x_total", "a", 15_000, 2, 0], ["x_total", "a", 30_000, null, 0], ["y", "a", 0, 7, 0]],
  [["x_total", "a", HOUR, 10, 0], ["x_total", "c", HOUR, 3, 0], ["x_total", "a", HOUR + 15_000, 11, 0], ["x_total", "a", HOUR + 30_000, 0, 1]],
  [["y", "a", 2 * HOUR, 8, 0]],
];
const LIVE: Row[] = [["x_total", "a", 2 * HOUR, 12, 0], ["x_total", "d", 2 * HOUR, 5, 0], ["y", "b", 2 * HOUR, 9, 0]];

let handle: DuckDBHandle;
let dir: string;
let files: string[];

function rowsSql(rows: readonly Row[]): string {
  const values = rows.map(([metric, instance, t, v, f]) =>
    `('${metric}', '', 'prometheus', false, 0, ${BigInt(t) * 1_000_000n}, ${v === null ? "NULL" : `${v}::DOUBLE`}, NULL::BIGINT, ${f}::BIGINT,
      '[{"key":"instance","value":{"stringValue":"${instance}"}}]', '[]', '')`);
  return `SELECT * FROM (VALUES ${values.join(", ")})
    t(metric_name, metric_unit, metric_type, is_monotonic, aggregation_temporality, time_unix_nano, value_double, value_int, flags, attributes, resource_attributes, distribution)`;
}

beforeAll(async () => {
  handle = await openDuckDB();
  dir = mkdtempSync(join(tmpdir(), "sb-number-series-"));
  files = FILES.map((_, i) => join(dir, `${i}.parquet`));
  for (const [i, rows] of FILES.entries()) await handle.connection.run(`COPY (${rowsSql(rows)}) TO ${quoteLiteral(files[i]!)} (FORMAT parquet)`);
  await handle.connection.run(`CREATE TABLE live AS ${rowsSql(LIVE)}`);
  // Newest file first, as the engine's source view lists them.
  const scan = `SELECT * FROM read_parquet([${[...files].reverse().map(quoteLiteral).join(", ")}])`;
  await handle.connection.run(`CREATE VIEW v AS ${scan} UNION ALL SELECT * FROM live`);
  await handle.connection.run(`CREATE VIEW v_files AS ${scan}`);
  await handle.connection.run(`CREATE VIEW v_kept AS SELECT * FROM v WHERE time_unix_nano >= ${BigInt(HOUR) * 1_000_000n}`);
  await handle.connection.run(`CREATE VIEW v_kept_within_ms AS SELECT * FROM v WHERE time_unix_nano >= ${BigInt(HOUR + 15_000) * 1_000_000n - 1n}`);
});

afterAll(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const X: SelectRequest = { matchers: [{ name: "__name__", op: "=", value: "x_total" }], startMs: 0, endMs: 3 * HOUR };

function plain(series: RawSeries[]) {
  return series.map((s) => ({ labels: s.labels, times: [...s.timestampsMs], bits: [...new Uint32Array(s.values.buffer, s.values.byteOffset, s.values.length * 2)] }));
}

// Files scanned every time; then decoded once and served from memory (the second query of each test on).
for (const [way, sampleBytes] of [["scanned", 0], ["held in memory", 1 << 20]] as const) {
const caches = { fileFamilies: new FileFamilies(), fileSeries: new FileSeriesCache(), fileSamples: new FileSamplesCache(sampleBytes) };

function sources(extra: Partial<MetricsSources> = {}): MetricsSources {
  return { files: [...files].reverse(), live: "live", ...caches, ...extra };
}

describe(`number series from files' row maps, files ${way}`, () => {
  test("answers exactly as the grouped read of one view, twice (maps cached)", async () => {
    const grouped = plain(await new DuckDBMetricsSource(handle.connection, "v", { maxSamples: 100 }).select(X));
    expect(grouped.map((s) => s.labels.instance)).toEqual(["a", "b", "c", "d"]);
    expect(grouped[0]!.times).toEqual([0, 15_000, HOUR, HOUR + 15_000, HOUR + 30_000, 2 * HOUR]);
    for (let i = 0; i < 2; i++) {
      expect(plain(await new DuckDBMetricsSource(handle.connection, "v", { maxSamples: 100, sources: sources() }).select(X))).toEqual(grouped);
    }
    expect(caches.fileSamples.bytes > 0).toBe(sampleBytes > 0);
    for (const partial of [{ ...X, startMs: 10_000, endMs: HOUR }, { ...X, startMs: 15_000.5, endMs: HOUR + 15_000.9 }, { ...X, startMs: 4 * HOUR, endMs: 5 * HOUR }]) {
      expect(plain(await new DuckDBMetricsSource(handle.connection, "v", { maxSamples: 100, sources: sources() }).select(partial)))
        .toEqual(plain(await new DuckDBMetricsSource(handle.connection, "v", { maxSamples: 100 }).select(partial)));
    }
  });

  test("files alone, one family: answers as the grouped read, the merged family reused", async () => {
    // y's rows are samples, in time order across files (merged); x_total's hold an exemplar-only row (not merged).
    const Y: SelectRequest = { ...X, matchers: [{ name: "__name__", op: "=", value: "y" }] };
    for (const request of [Y, X, { ...Y, startMs: HOUR, endMs: 3 * HOUR }, { ...Y, startMs: 1, endMs: HOUR }, { ...X, startMs: 10_000, endMs: HOUR + 15_000 }]) {
      const grouped = plain(await new DuckDBMetricsSource(handle.connection, "v_files", { maxSamples: 100 }).select(request));
      for (let i = 0; i < 2; i++) {
        expect(plain(await new DuckDBMetricsSource(handle.connection, "v_files", { maxSamples: 100, sources: sources({ live: null }) }).select(request))).toEqual(grouped);
      }
    }
  });

  test("label prefilters select the same series", async () => {
    for (const value of ["a", "c", "zz"]) {
      const request = { ...X, matchers: [...X.matchers, { name: "instance", op: "=", value }] } satisfies SelectRequest;
      expect(plain(await new DuckDBMetricsSource(handle.connection, "v", { maxSamples: 100, sources: sources() }).select(request)))
        .toEqual(plain(await new DuckDBMetricsSource(handle.connection, "v", { maxSamples: 100 }).select(request)));
    }
  });

  test("rows past retention are left out of the files too", async () => {
    // A bound on a whole ms, one within a ms, and one below every row.
    for (const [view, notBeforeNs] of [["v_kept", BigInt(HOUR) * 1_000_000n], ["v_kept_within_ms", BigInt(HOUR + 15_000) * 1_000_000n - 1n], ["v", 0n]] as const) {
      const kept = { maxSamples: 100, sources: sources({ notBeforeNs }) };
      for (let i = 0; i < 2; i++) {
        expect(plain(await new DuckDBMetricsSource(handle.connection, view, kept).select(X)))
          .toEqual(plain(await new DuckDBMetricsSource(handle.connection, view, { maxSamples: 100 }).select(X)));
      }
    }
  });

  test("the sample limit counts the rows in the range", async () => {
    // Whole files hold 8 rows of x_total and the live rows 2; the range [HOUR, 3h] holds 6.
    const late = { ...X, startMs: HOUR };
    expect((await new DuckDBMetricsSource(handle.connection, "v", { maxSamples: 6, sources: sources() }).select(late)).length).toBe(3);
    await expect(new DuckDBMetricsSource(handle.connection, "v", { maxSamples: 5, sources: sources() }).select(late)).rejects.toThrow(/too many samples/);
  });
});
}
