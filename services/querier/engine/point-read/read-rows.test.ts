/**
 * The point reader must give exactly what DuckDB's scan gives for the same rows, over the
 * layouts DuckDB writes (several row groups, nulls, dictionary and plain pages, zstd or
 * none, v1 and v2 pages), and refuse (UnsupportedLayout) what it cannot decode.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../../shared/duckdb/index.ts";
import { tempDir } from "../../../../test/helpers/query-fixtures.ts";
import { INTEGRATION_TIMEOUT_MS } from "../../../../test/helpers/timeouts.ts";
import { UnsupportedLayout } from "./column-chunk.ts";
import { FileLayouts } from "./file-layout.ts";
import { readRows } from "./read-rows.ts";
import { ZstdPages } from "./zstd-pages.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const ROWS = 9_000;
const tmp = tempDir("sbx-point-read-");
let db: DuckDBHandle;
const layouts = new FileLayouts();
const BUN_PAGES = new ZstdPages(false);

// Every column kind the traces table has, with nulls, repeats (dictionaries of a few and of
// hundreds of entries), long unique
// text (plain pages), non-ASCII text and a leading byte-order mark (DuckDB's client drops
// it: so must this reader, or a trace would read differently from a small file), negative numbers.
const SOURCE =
  `SELECT i, ` +
  `CASE WHEN i % 7 = 0 THEN NULL ELSE 'svc-' || (i % 5) END AS dict_text, ` +
  `repeat('attribute ' || i || ' ', 1 + i % 40) AS plain_text, ` +
  `CASE WHEN i % 11 = 0 THEN '\uFEFFbom ' || i WHEN i % 13 = 0 THEN 'ünïcødé 😀 ' || i ELSE md5(i::VARCHAR) END AS mixed_text, ` +
  `CASE WHEN i % 3 = 0 THEN NULL ELSE (i * 7919 - 4000000)::INTEGER END AS int32, ` +
  `(i::BIGINT * -1234567891234 + 17)::BIGINT AS int64, ` +
  `(i % 4)::INTEGER AS small_int, ` +
  `'route-' || (i * 31 % 400) AS wide_dict, ` +
  `'' AS empty_text ` +
  `FROM range(${ROWS}) t(i)`;
const COLUMNS = ["i", "dict_text", "plain_text", "mixed_text", "int32", "int64", "small_int", "wide_dict", "empty_text"];

async function write(name: string, options: string): Promise<string> {
  const path = `${tmp.dir}/${name}.parquet`;
  await db.connection.run(`COPY (${SOURCE}) TO ${quoteLiteral(path)} (FORMAT parquet, ${options})`);
  return path;
}

async function duckRows(path: string, columns: string[], first: number, last: number): Promise<unknown[][]> {
  const reader = await db.connection.runAndReadAll(
    `SELECT ${columns.join(", ")} FROM read_parquet(${quoteLiteral(path)}, file_row_number = true) ` +
      `WHERE file_row_number BETWEEN ${first} AND ${last} ORDER BY file_row_number`,
  );
  const read = reader.getColumns();
  // No rows: DuckDB gives no column arrays at all.
  return columns.map((_, i) => read[i] ?? []);
}

async function expectSameRows(path: string, ranges: Array<[number, number]>, columns = COLUMNS): Promise<void> {
  const layout = await layouts.of(db.connection, path);
  for (const [first, last] of ranges) {
    const expected = await duckRows(path, columns, first, last);
    expect(readRows(path, layout, columns, first, last)).toEqual(expected as never);
    // Without the system's libzstd: Bun decompresses.
    expect(readRows(path, layout, columns, first, last, BUN_PAGES)).toEqual(expected as never);
  }
}

/** Single rows, short runs inside a group, runs across group bounds, the last rows, past the end. */
const RANGES: Array<[number, number]> = [[0, 0], [5, 12], [3_001, 3_003], [2_040, 2_060], [4_095, 4_096], [1_000, 5_000], [ROWS - 3, ROWS - 1], [ROWS - 1, ROWS + 10], [ROWS + 5, ROWS + 9]];

beforeAll(async () => {
  db = await openDuckDB();
});

afterAll(() => {
  db.close();
  tmp.cleanup();
});

describe("point reads", () => {
  test("zstd, several row groups, as compaction writes spans", async () => {
    const path = await write("zstd", "COMPRESSION zstd, COMPRESSION_LEVEL 9, ROW_GROUP_SIZE 2048");
    expect((await layouts.of(db.connection, path)).rowGroupCount).toBeGreaterThan(3);
    await expectSameRows(path, RANGES);
  });

  test("uncompressed, one large row group", async () => {
    await expectSameRows(await write("plain", "COMPRESSION uncompressed, ROW_GROUP_SIZE 100000"), RANGES);
  });

  test("v2 data pages: delta and dictionary encodings", async () => {
    const path = await write("v2", "COMPRESSION zstd, ROW_GROUP_SIZE 2048, PARQUET_VERSION v2");
    const encodings = await db.connection.runAndReadAll(`SELECT DISTINCT encodings FROM parquet_metadata(${quoteLiteral(path)})`);
    expect(encodings.getRows().flat().join(" ")).toContain("DELTA_BINARY_PACKED");
    await expectSameRows(path, RANGES);
    // Wide deltas (values spanning the whole 64-bit range) and DuckDB's choice for text of shared prefixes.
    const wide = `${tmp.dir}/wide.parquet`;
    await db.connection.run(
      `COPY (SELECT CASE WHEN i % 2 = 0 THEN 9223372036854775807 - i ELSE -9223372036854775807 + i END::BIGINT AS v, ` +
        `(CASE WHEN i % 2 = 0 THEN 2147483647 - i ELSE -2147483647 + i END)::INTEGER AS w, ` +
        `'https://example.com/orders/' || lpad(i::VARCHAR, 8, '0') AS url FROM range(5000) t(i)) ` +
        `TO ${quoteLiteral(wide)} (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2)`,
    );
    await expectSameRows(wide, [[0, 3], [1_000, 1_010], [4_990, 4_999], [0, 4_999]], ["v", "w", "url"]);
  });

  test("a column the file lacks reads as nulls; a codec or nested column it cannot decode is refused", async () => {
    const path = await write("zstd2", "COMPRESSION zstd, ROW_GROUP_SIZE 2048");
    expect(readRows(path, await layouts.of(db.connection, path), ["i", "no_such_column"], 3, 4)).toEqual([[3n, 4n], [null, null]]);
    const snappy = await write("snappy", "COMPRESSION snappy, ROW_GROUP_SIZE 2048");
    const snappyLayout = await layouts.of(db.connection, snappy);
    expect(() => readRows(snappy, snappyLayout, ["i"], 3, 4)).toThrow(UnsupportedLayout);
    const nested = `${tmp.dir}/nested.parquet`;
    await db.connection.run(`COPY (SELECT i, {'a': i} AS s, [i, i] AS l FROM range(10) t(i)) TO ${quoteLiteral(nested)} (FORMAT parquet, COMPRESSION zstd)`);
    const layout = await layouts.of(db.connection, nested);
    expect(readRows(nested, layout, ["i"], 2, 3)).toEqual([[2n, 3n]]);
    expect(() => readRows(nested, layout, ["s"], 2, 3)).toThrow(UnsupportedLayout);
    expect(() => readRows(nested, layout, ["l"], 2, 3)).toThrow(UnsupportedLayout);
  });
});
