import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { DEDICATED_SPAN_ATTRIBUTES, SORT_ORDER, TABLE_NAMES, TABLE_SCHEMAS, TIME_COLUMN, toPlainBatch } from "../../../shared/tables/index.ts";
import { openDuckDB, quoteIdent, quoteLiteral, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { parquetPath } from "../../../shared/storage/index.ts";
import { batchRows, makeGenericBatch, makeSpanBatch } from "../../../test/helpers/wal-batches.ts";
import { readFileSync } from "node:fs";
import { decodeExport } from "../../../shared/otlp/index.ts";
import { EmptyParquetWriteError, footerMetadata, parseFooter, readParquetFooter, writeParquet } from "./index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let db: DuckDBHandle;
let root: string;
beforeAll(async () => {
  db = await openDuckDB();
  root = await mkdtemp(join(tmpdir(), "sbx-parquet-"));
});
afterAll(async () => {
  db.close();
  await rm(root, { recursive: true, force: true });
});

const compare = (cols: string[]) => (a: Record<string, unknown>, b: Record<string, unknown>) => {
  for (const c of cols) {
    const x = a[c] as string | bigint;
    const y = b[c] as string | bigint;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
};

describe("writeParquet", () => {
  for (const table of TABLE_NAMES) {
    test(`${table}: read back equals the input sorted by the table's order; footer, zstd, atomic`, async () => {
      const batches = [
        makeGenericBatch(table, { batchId: "b-1", rows: 1500, seed: 11 }),
        makeGenericBatch(table, { batchId: "b-2", rows: 700, seed: 12, baseTimeNs: 1_735_787_045_000_000_000n - 5n }),
      ];
      const dest = join(root, parquetPath({ orgId: "acme", bucket: "prod", table, minTimeNs: 0n }));
      const meta = footerMetadata({ orgId: "acme", bucket: "prod", shardId: 17, batchIds: ["b-1", "b-2"] });
      const result = await writeParquet({ db: db.connection, table, batches, destPath: dest, metadata: meta });

      const time = TIME_COLUMN[table];
      const all = batches.flatMap(batchRows);
      const times = all.map((r) => r[time] as bigint);
      expect(result.rows).toBe(2200);
      expect(result.minTimeNs).toBe(times.reduce((a, b) => (b < a ? b : a)));
      expect(result.maxTimeNs).toBe(times.reduce((a, b) => (b > a ? b : a)));
      expect(result.bytes).toBe(Bun.file(dest).size);

      // Only the table's own columns: traces files also carry dedicated attribute columns.
      const own = TABLE_SCHEMAS[table].fields.map((f) => quoteIdent(f.name)).join(", ");
      const got = (await db.connection.runAndReadAll(`SELECT ${own} FROM read_parquet(${quoteLiteral(dest)}, hive_partitioning = false)`)).getRowObjectsJS() as Record<string, unknown>[];
      // The file's order must be the table's sort order; ties keep no particular order, so
      // compare as multisets after a full sort, and check the order separately.
      const sortCols = SORT_ORDER[table];
      for (let i = 1; i < got.length; i++) expect(compare(sortCols)(got[i - 1], got[i])).toBeLessThanOrEqual(0);
      const full = compare(Object.keys(all[0]).sort());
      expect([...got].sort(full)).toEqual([...all].sort(full));

      const footer = parseFooter(dest, await readParquetFooter(db.connection, dest));
      expect(footer).toEqual({
        orgId: "acme",
        bucket: "prod",
        table,
        shardId: 17,
        batchIds: ["b-1", "b-2"],
        rows: 2200,
        minTimeNs: result.minTimeNs,
        maxTimeNs: result.maxTimeNs,
      });
      const codecs = (await db.connection.runAndReadAll(
        `SELECT DISTINCT compression FROM parquet_metadata(${quoteLiteral(dest)})`,
      )).getRowObjectsJS();
      expect(codecs).toEqual([{ compression: "ZSTD" }]);
      expect(await readdir(dirname(dest))).toEqual([dest.split("/").pop()!]);
    });
  }

  test("batches in the Flight wire form (dictionary columns) give the same file as plain ones", async () => {
    const fixture: Record<string, string> = { traces: "trace.json", logs: "logs.json", metrics: "metrics.json" };
    for (const table of TABLE_NAMES) {
      const body = readFileSync(join(import.meta.dir, "../../../test/fixtures/otlp", fixture[table]!));
      const wire = [1, 2].map((n) => decodeExport(table, body, "json", `wire-${n}`, { wireForm: true }).batch!);
      const plain = wire.map((b) => toPlainBatch(b, TABLE_SCHEMAS[table]));
      const read = async (batches: typeof wire, name: string) => {
        const dest = join(root, "wire", `${table}-${name}.parquet`);
        await writeParquet({ db: db.connection, table, batches, destPath: dest, metadata: {} });
        return (await db.connection.runAndReadAll(`FROM read_parquet(${quoteLiteral(dest)}, hive_partitioning = false)`)).getRowObjectsJS();
      };
      const fromWire = await read(wire, "wire");
      expect(fromWire.length).toBe(plain.reduce((n, b) => n + b.numRows, 0));
      expect(fromWire).toEqual(await read(plain, "plain"));
    }
  });

  test("realistic spans: unicode JSON attributes and exact ns survive", async () => {
    const batch = makeSpanBatch({ batchId: "s", rows: 2000, seed: 5 });
    const dest = join(root, "spans", "s.parquet");
    await writeParquet({ db: db.connection, table: "traces", batches: [batch], destPath: dest, metadata: {} });
    const got = (await db.connection.runAndReadAll(
      `SELECT span_id, attributes, start_time_unix_nano FROM read_parquet(${quoteLiteral(dest)}) ORDER BY span_id`,
    )).getRowObjectsJS() as Record<string, unknown>[];
    const want = batchRows(batch)
      .map((r) => ({ span_id: r.span_id, attributes: r.attributes, start_time_unix_nano: r.start_time_unix_nano }))
      .sort((a, b) => ((a.span_id as string) < (b.span_id as string) ? -1 : 1));
    expect(got).toEqual(want);
  });

  test("traces files carry the dedicated attribute columns", async () => {
    const batch = makeSpanBatch({ batchId: "d", rows: 200, seed: 7 });
    const dest = join(root, "derived", "d.parquet");
    await writeParquet({ db: db.connection, table: "traces", batches: [batch], destPath: dest, metadata: {} });
    const cols = Object.entries(DEDICATED_SPAN_ATTRIBUTES);
    const rows = (await db.connection.runAndReadAll(
      `SELECT attributes, ${cols.map(([, c]) => quoteIdent(c)).join(", ")} FROM read_parquet(${quoteLiteral(dest)})`,
    )).getRowObjectsJS() as Record<string, string | null>[];
    expect(rows.length).toBe(200);
    let seen = 0;
    for (const r of rows) {
      const kvs = r.attributes ? (JSON.parse(r.attributes) as { key: string; value: Record<string, unknown> }[]) : [];
      for (const [key, column] of cols) {
        const v = kvs.find((kv) => kv.key === key)?.value;
        const want =
          v === undefined ? null
          : typeof v.stringValue === "string" ? `s${v.stringValue}`
          : v.intValue !== undefined ? `i${String(v.intValue)}`
          : v.boolValue !== undefined ? `b${String(v.boolValue)}`
          : v.doubleValue !== undefined ? r[column] // DuckDB's number text
          : "x";
        if (want !== null) seen++;
        expect(r[column]).toBe(want);
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  test("no rows → typed error and no file; a failed COPY leaves no temp file", async () => {
    const dest = join(root, "empty", "e.parquet");
    await expect(writeParquet({ db: db.connection, table: "logs", batches: [], destPath: dest, metadata: {} })).rejects.toThrow(EmptyParquetWriteError);
    const bad = join(root, "bad");
    await expect(
      writeParquet({
        db: db.connection,
        table: "logs",
        batches: [makeGenericBatch("logs", { batchId: "x", rows: 3 })],
        destPath: join(bad, "is-a-dir"),
        metadata: {},
      }).then(async () => {
        // Make the second write fail at rename: the destination is now a directory.
        await rm(join(bad, "is-a-dir"));
        await Bun.write(join(bad, "is-a-dir", "x"), "");
        return writeParquet({ db: db.connection, table: "logs", batches: [makeGenericBatch("logs", { batchId: "y", rows: 3 })], destPath: join(bad, "is-a-dir"), metadata: {} });
      }),
    ).rejects.toThrow();
    expect((await readdir(bad)).filter((n) => n.startsWith(".tmp-"))).toEqual([]);
  });
});
