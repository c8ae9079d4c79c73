import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { batchOf } from "../../test/helpers/query-fixtures.ts";
import { batchRows, makeGenericBatch, makeSpanBatch } from "../../test/helpers/wal-batches.ts";
import { decodeExport } from "../otlp/index.ts";
import { decodeRemoteWrite } from "../remote-write/index.ts";
import { restoreOmitted, toPlainBatch } from "../tables/index.ts";
import { SORT_ORDER, TABLE_NAMES, TABLE_SCHEMAS } from "../tables/tables.ts";
import { remoteWriteBody } from "../../test/helpers/remote-write-encode.ts";
import { appendArrow, openDuckDB, scanArrow, sortRowOrder, type DuckDBHandle } from "./index.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../test/helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let db: DuckDBHandle;
beforeAll(async () => {
  db = await openDuckDB(":memory:", { config: { threads: "1" } });
});
afterAll(() => db.close());

const rowsOf = async (sql: string): Promise<Record<string, unknown>[]> => (await db.connection.runAndReadAll(sql)).getRowObjectsJS();

describe("scanArrow", () => {
  for (const table of TABLE_NAMES) {
    test(`${table}: every column as appendArrow stores it, in batch order and in sortRowOrder's order`, async () => {
      // Crosses 2,048-row chunks; the second batch is a slice (non-zero offsets, null bits).
      const batches = [
        makeGenericBatch(table, { batchId: "b1", rows: 2500, seed: 3 }),
        makeGenericBatch(table, { batchId: "b2", rows: 300, seed: 4 }).slice(5, 290),
        makeGenericBatch(table, { batchId: "b3", rows: 2100, seed: 5 }),
      ];
      const schema = TABLE_SCHEMAS[table];
      await appendArrow(db.connection, `plain_${table}`, batches, schema);
      const scanned = await scanArrow(db.connection, batches, schema, {}, (src) => rowsOf(`FROM ${src}`));
      expect(scanned).toEqual(batches.flatMap(batchRows));
      const sortBy = SORT_ORDER[table].map((c) => `"${c}"`).join(", ");
      const sorted = await scanArrow(db.connection, batches, schema, { order: sortRowOrder(batches, SORT_ORDER[table]) }, (src) =>
        rowsOf(`FROM ${src}`),
      );
      expect(sorted).toEqual(await rowsOf(`FROM plain_${table} ORDER BY ${sortBy}, rowid`));
    });
  }

  test("keepStrings: scanned again and again, plain, sliced and dictionary (wire form) strings come out the same", async () => {
    const body = readFileSync(join(import.meta.dir, "../../test/fixtures/otlp/trace.json"));
    const batches = [
      makeGenericBatch("traces", { batchId: "k1", rows: 2500, seed: 6 }),
      decodeExport("traces", body, "json", "k-wire", { wireForm: true }).batch!,
      makeGenericBatch("traces", { batchId: "k2", rows: 300, seed: 7 }).slice(5, 290),
      decodeExport("traces", body, "json", "k-wire-2", { wireForm: true }).batch!,
    ];
    const schema = TABLE_SCHEMAS.traces;
    const orders = [undefined, sortRowOrder(batches, SORT_ORDER.traces)];
    for (const order of orders) {
      const once = await scanArrow(db.connection, batches, schema, { order }, (src) => rowsOf(`FROM ${src}`));
      for (let round = 0; round < 2; round++) {
        expect(await scanArrow(db.connection, batches, schema, { order, keepStrings: true }, (src) => rowsOf(`FROM ${src}`))).toEqual(once);
      }
      // Equality, grouping and prefixes compare the whole 16-byte string_t: kept ones must match made ones.
      const grouped = (keepStrings: boolean) =>
        scanArrow(db.connection, batches, schema, { order, keepStrings }, (src) =>
          rowsOf(`SELECT name, service_name, count(*) AS n FROM ${src} WHERE name = name GROUP BY ALL ORDER BY ALL`),
        );
      expect(await grouped(true)).toEqual(await grouped(false));
    }
  });

  test("sort keys sharing long prefixes, negative and equal times sort as DuckDB sorts them", async () => {
    const ids = ["", "a", "ab", "abcdef", "abcdefg", "abcdefa", "abcdeg", "é", "z"];
    const rows = batchRows(makeSpanBatch({ batchId: "p", rows: 64, seed: 9 })).map((r, i) => ({
      ...r,
      trace_id: ids[i % ids.length],
      start_time_unix_nano: BigInt((i % 5) - 2) * 4_294_967_297n,
    }));
    const b = batchOf(TABLE_SCHEMAS.traces, rows);
    await appendArrow(db.connection, "edge_plain", [b], TABLE_SCHEMAS.traces);
    const want = await rowsOf(`SELECT span_id FROM edge_plain ORDER BY trace_id, start_time_unix_nano, rowid`);
    const got = await scanArrow(db.connection, [b], TABLE_SCHEMAS.traces, { order: sortRowOrder([b], SORT_ORDER.traces) }, (src) =>
      rowsOf(`SELECT span_id FROM ${src}`),
    );
    expect(got).toEqual(want);
  });

  test("projection and filters: DuckDB asks only for the columns it needs", async () => {
    const batch = makeSpanBatch({ batchId: "proj", rows: 5000, seed: 4 });
    const got = await scanArrow(db.connection, [batch], TABLE_SCHEMAS.traces, {}, (src) =>
      rowsOf(`SELECT count(*) AS n, count(DISTINCT span_id) AS spans, max(service_name) AS s FROM ${src} WHERE kind = 2`),
    );
    expect(got).toEqual([{ n: 5000n, spans: 5000n, s: [...new Set(batch.getChild("service_name")!.toArray())].sort().at(-1) }]);
  });

  test("constant and all-null columns (remote write's wire form) scan as their plain rows do", async () => {
    const t0 = 1_700_000_000_000;
    const samples = (values: number[]) => values.map((value, i) => ({ value, timestampMs: t0 + i * 15_000 }));
    const request = (id: string, job: string, values: number[]) =>
      restoreOmitted(decodeRemoteWrite(
        remoteWriteBody([
          { labels: { __name__: "scan_total", job, long_label_name: "a value longer than twelve bytes" }, samples: samples(values) },
          { labels: { __name__: "scan_total", job: "other" }, samples: samples(values.map((v) => v + 1)) },
        ]),
        id,
        1 << 20,
        { wireForm: true },
      ).batch!, "metrics");
    // 0 and -0 differ bit for bit: a column of both is not constant. Chunks of 2,048 rows are crossed.
    const batches = [request("c1", "j", Array.from({ length: 1500 }, (_, i) => (i % 2 ? 0 : -0))), request("c2", "j", Array.from({ length: 900 }, () => 7))];
    const schema = TABLE_SCHEMAS.metrics;
    await appendArrow(db.connection, "plain_constant", batches.map((b) => toPlainBatch(b, schema)), schema);
    const order = sortRowOrder(batches, SORT_ORDER.metrics);
    const sortBy = SORT_ORDER.metrics.map((c) => `"${c}"`).join(", ");
    expect(await scanArrow(db.connection, batches, schema, {}, (src) => rowsOf(`FROM ${src}`))).toEqual(await rowsOf("FROM plain_constant ORDER BY rowid"));
    expect(await scanArrow(db.connection, batches, schema, { order }, (src) => rowsOf(`FROM ${src}`))).toEqual(await rowsOf(`FROM plain_constant ORDER BY ${sortBy}, rowid`));
  });

  test("two scans at once on one database, and a scan's name is gone after it", async () => {
    const a = makeGenericBatch("logs", { batchId: "a", rows: 10 });
    const b = makeGenericBatch("logs", { batchId: "b", rows: 20 });
    let leaked = "";
    const [na, nb] = await Promise.all([
      scanArrow(db.connection, [a], TABLE_SCHEMAS.logs, {}, (src) => ((leaked = src), rowsOf(`SELECT count(*) AS n FROM ${src}`))),
      scanArrow(db.connection, [b], TABLE_SCHEMAS.logs, {}, (src) => rowsOf(`SELECT count(*) AS n FROM ${src}`)),
    ]);
    expect([na, nb]).toEqual([[{ n: 10n }], [{ n: 20n }]]);
    await expect(rowsOf(`FROM ${leaked}`)).rejects.toThrow(/no such scan/);
  });

  test("bad input is refused before DuckDB runs", async () => {
    const batch = makeGenericBatch("logs", { batchId: "x", rows: 10 });
    const order = sortRowOrder([batch.slice(0, 5)], SORT_ORDER.logs);
    await expect(scanArrow(db.connection, [batch], TABLE_SCHEMAS.logs, { order }, async () => 0)).rejects.toThrow(/row order/);
    await expect(scanArrow(db.connection, [batch], TABLE_SCHEMAS.traces, {}, async () => 0)).rejects.toThrow(/no column/);
  });
});
