import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bool, Dictionary, Int32, Int64, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray, type Data } from "apache-arrow";
import type { DataFile } from "../../../shared/catalog/index.ts";
import { filledColumnsSql, openDuckDB, quoteIdent, quoteLiteral, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { FILE_COLUMN_DEFAULTS, TABLE_SCHEMAS } from "../../../shared/tables/index.ts";
import { batchRows, makeGenericBatch } from "../../../test/helpers/wal-batches.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../test/helpers/timeouts.ts";
import { groupBySchema, mergeParquet } from "../compaction/merge.ts";
import { writeParquet } from "./index.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let db: DuckDBHandle;
let root: string;
beforeAll(async () => {
  db = await openDuckDB();
  root = await mkdtemp(join(tmpdir(), "sbx-file-defaults-"));
});
afterAll(async () => {
  db.close();
  await rm(root, { recursive: true, force: true });
});

const CONTRACT = TABLE_SCHEMAS.metrics.fields.map((f) => f.name);
const AT_DEFAULT = ["metric_unit", "metric_type", "metric_metadata", "is_monotonic", "start_time_unix_nano", "value_int", "flags", "scope_attributes"];

/** A generic metrics batch whose AT_DEFAULT columns hold their default in every row (metric_metadata as a one-entry dictionary). */
function defaultsBatch(batchId: string, rows: number, seed: number): RecordBatch {
  const base = makeGenericBatch("metrics", { batchId, rows, seed });
  const column = (name: string): Data => {
    const value = FILE_COLUMN_DEFAULTS.metrics.get(name)!;
    if (name === "metric_metadata") {
      const dictionary = vectorFromArray([value as string], new Utf8());
      return makeData({ type: new Dictionary(new Utf8(), new Int32()), length: rows, nullCount: 0, data: new Int32Array(rows), dictionary });
    }
    if (name === "is_monotonic") return vectorFromArray(Array(rows).fill(false), new Bool()).data[0]!;
    if (value === null) return vectorFromArray(Array(rows).fill(null), new Int64()).data[0]!;
    if (value === 0) return makeData({ type: new Int64(), length: rows, data: new BigInt64Array(rows) });
    return vectorFromArray(Array(rows).fill(value), new Utf8()).data[0]!;
  };
  const fields = base.schema.fields.map((f) => (AT_DEFAULT.includes(f.name) ? f.clone({ type: column(f.name).type }) : f));
  const children = base.schema.fields.map((f, i) => (AT_DEFAULT.includes(f.name) ? column(f.name) : base.data.children[i]!));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }));
}

async function fileColumnNames(path: string): Promise<string[]> {
  const rows = (await db.connection.runAndReadAll(`SELECT name FROM parquet_schema(${quoteLiteral(path)}) WHERE num_children IS NULL`)).getRows();
  return rows.map((r) => r[0] as string);
}

/** Every contract column of `files`, filled as the querier's reads fill them. */
async function readFilled(files: string[]): Promise<Record<string, unknown>[]> {
  const lists = await Promise.all(files.map(fileColumnNames));
  const presence = (name: string) => {
    const n = lists.filter((l) => l.includes(name)).length;
    return n === lists.length ? "all" : n === 0 ? "none" : "some";
  };
  const scan = `read_parquet([${files.map(quoteLiteral).join(", ")}], hive_partitioning = false, union_by_name = true)`;
  const sql = `SELECT ${CONTRACT.map(quoteIdent).join(", ")} FROM ${filledColumnsSql("metrics", scan, presence)}`;
  return (await db.connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

const byRow = (a: Record<string, unknown>, b: Record<string, unknown>) => {
  const x = `${a.batch_id}\u0000${a.time_unix_nano}\u0000${a.metric_name}\u0000${a.attributes}`;
  const y = `${b.batch_id}\u0000${b.time_unix_nano}\u0000${b.metric_name}\u0000${b.attributes}`;
  return x < y ? -1 : x > y ? 1 : 0;
};
const rowsOf = (batches: RecordBatch[]) => batches.flatMap(batchRows).map((r) => Object.fromEntries(CONTRACT.map((c) => [c, r[c]])));

describe("metrics columns at their default", () => {
  test("a flush leaves them out; filled reads of such files, alone and beside full ones, and their compaction, see the same rows", async () => {
    const reduced = defaultsBatch("b-reduced", 900, 21);
    const full = makeGenericBatch("metrics", { batchId: "b-full", rows: 700, seed: 22 });
    const reducedPath = join(root, "reduced.parquet");
    const fullPath = join(root, "full.parquet");
    await writeParquet({ db: db.connection, table: "metrics", batches: [reduced], destPath: reducedPath, metadata: {} });
    await writeParquet({ db: db.connection, table: "metrics", batches: [full], destPath: fullPath, metadata: {} });

    expect(await fileColumnNames(reducedPath)).toEqual(CONTRACT.filter((c) => !AT_DEFAULT.includes(c)));
    expect(await fileColumnNames(fullPath)).toEqual(CONTRACT);

    expect((await readFilled([reducedPath])).sort(byRow)).toEqual(rowsOf([reduced]).sort(byRow));
    expect((await readFilled([reducedPath, fullPath])).sort(byRow)).toEqual(rowsOf([reduced, full]).sort(byRow));

    // Compaction merges files that differ only in columns at their default, filling them.
    const file = (path: string, batchId: string, rows: number): { file: DataFile; localPath: string } => ({
      file: { path, orgId: "o", bucket: "b", table: "metrics", shardId: 0, minTime: "0", maxTime: "0", rows, bytes: 0, batchIds: [batchId], createdAt: 0 },
      localPath: path,
    });
    const groups = await groupBySchema(db.connection, [file(reducedPath, "b-reduced", 900), file(fullPath, "b-full", 700)]);
    expect(groups.length).toBe(1);
    expect(groups[0]!.partial.sort()).toEqual([...AT_DEFAULT].sort());
    const merged = join(root, "merged.parquet");
    const result = await mergeParquet(db.connection, "metrics", groups[0]!, merged);
    expect(result.rows).toBe(1600);
    expect(await fileColumnNames(merged)).toEqual(CONTRACT);
    expect((await readFilled([merged])).sort(byRow)).toEqual(rowsOf([reduced, full]).sort(byRow));
  });
});
