/**
 * What other layouts of the same compacted spans would weigh on disk (issue #20's bytes per
 * span), each written by DuckDB's Parquet writer from the compacted files' stored rows:
 * - `as compacted`: the stored rows written again with the compaction's options, the baseline;
 * - `binary ids`: trace, span and parent span ids as bytes instead of hex text;
 * - `typed attribute columns`: binary ids, and a span's attributes split into one column per
 *   (key, value type) of the file (strings, ints, doubles, bools typed; arrays, kvlists and
 *   bytes as their OTLP/JSON text) plus the row's key order, no attribute JSON and no
 *   dedicated columns (they would be the key columns themselves): the layout a trace store
 *   that keeps attributes columnar (Tempo's dedicated columns, every key dedicated) would have;
 * - the same at zstd 9 in 65,536-row groups: as small as that layout gets with this writer,
 *   at a merge CPU and a trace-by-id page size the other targets rule out.
 *
 * Readers of Signalbox's files read attributes as OTLP/JSON text (the querier's SQL guards,
 * JSON functions and TraceQL evaluation all do), so a columnar layout must give that text
 * back. `rebuild` times that: the attribute columns stored as the text they had in the JSON
 * (which makes the rebuild exact: it is checked row by row) and rebuilt by one concatenation
 * per key order, against reading the JSON column itself, side by side.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteIdent, quoteLiteral } from "../../shared/duckdb/index.ts";
import { DEDICATED_COLUMNS } from "../../shared/tables/index.ts";

export interface LayoutSize {
  layout: string;
  bytesPerSpan: number;
  /** The bytes of the attribute columns (JSON, or the split's columns and key order) per span. */
  attributeBytesPerSpan: number;
}

export interface RebuildCost {
  jsonMs: number;
  rebuiltMs: number;
  rows: number;
  mismatches: number;
}

type KeyValue = { key: string; value: Record<string, unknown> };
type SplitColumn = { name: string; key: string; member: string; sqlType: string; open: string; close: string };

const TYPED: Record<string, string> = { stringValue: "VARCHAR", intValue: "BIGINT", doubleValue: "DOUBLE", boolValue: "BOOLEAN" };
const IDS = ["trace_id", "span_id", "parent_span_id"];

/** The stored rows of `files` (as compaction wrote them) in a table named `stored`, in file order. */
async function loadStored(duck: DuckDBConnection, files: readonly string[]): Promise<number> {
  const list = `[${files.map(quoteLiteral).join(", ")}]`;
  await duck.run(`CREATE OR REPLACE TEMP TABLE stored AS SELECT row_number() OVER () AS _row, * FROM read_parquet(${list}, union_by_name = true)`);
  const reader = await duck.runAndReadAll("SELECT count(*)::INTEGER FROM stored");
  return reader.getRows()[0]![0] as number;
}

/**
 * The attributes split into columns: one per (key, member) met in the rows, named a0, a1…;
 * `text` keeps each value as its text in the JSON (exact rebuild), otherwise typed. Written as
 * NDJSON for DuckDB to read with explicit types.
 */
async function splitAttributes(duck: DuckDBConnection, dir: string, text: boolean): Promise<SplitColumn[]> {
  const reader = await duck.runAndReadAll("SELECT attributes FROM stored ORDER BY _row");
  const columns = new Map<string, SplitColumn>();
  const lines: string[] = [];
  for (const [attributes] of reader.getRows()) {
    const row: Record<string, unknown> = {};
    const order: number[] = [];
    for (const kv of JSON.parse((attributes as string | null) || "[]") as KeyValue[]) {
      const member = Object.keys(kv.value)[0] ?? "";
      const scalar = member in TYPED;
      const id = `${kv.key}\u0000${scalar ? member : "json"}`;
      let column = columns.get(id);
      if (column === undefined) {
        const key = JSON.stringify(kv.key);
        const quoted = member === "stringValue" || member === "intValue";
        column = {
          name: `a${columns.size}`,
          key: kv.key,
          member: scalar ? member : "json",
          sqlType: scalar && !text ? TYPED[member]! : "VARCHAR",
          open: scalar ? `{"key":${key},"value":{"${member}":${quoted ? '"' : ""}` : `{"key":${key},"value":`,
          close: scalar ? `${quoted ? '"' : ""}}}` : "}",
        };
        columns.set(id, column);
      }
      const value = kv.value[member];
      if (!scalar) row[column.name] = JSON.stringify(kv.value);
      else if (text) row[column.name] = member === "stringValue" ? JSON.stringify(value).slice(1, -1) : String(value);
      else row[column.name] = member === "intValue" ? Number(value) : value;
      order.push(Number(column.name.slice(1)));
    }
    row.attribute_order = order;
    lines.push(JSON.stringify(row));
  }
  const path = join(dir, text ? "attributes-text.ndjson" : "attributes-typed.ndjson");
  writeFileSync(path, lines.join("\n"));
  const list = [...columns.values()];
  const types = [...list.map((c) => `${c.name}: '${c.sqlType}'`), "attribute_order: 'USMALLINT[]'"].join(", ");
  await duck.run(
    `CREATE OR REPLACE TEMP TABLE split AS SELECT row_number() OVER () AS _row, * FROM read_json(${quoteLiteral(path)}, format = 'newline_delimited', columns = {${types}})`,
  );
  return list;
}

async function written(duck: DuckDBConnection, select: string, path: string, zstdLevel: number, rowGroup: number, attributeColumns: (name: string) => boolean, spans: number, layout: string): Promise<LayoutSize> {
  await duck.run(`COPY (${select}) TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${zstdLevel}, ROW_GROUP_SIZE ${rowGroup})`);
  const reader = await duck.runAndReadAll(`SELECT path_in_schema, sum(total_compressed_size)::BIGINT FROM parquet_metadata(${quoteLiteral(path)}) GROUP BY 1`);
  const attributeBytes = reader.getRows().reduce((n, [column, bytes]) => n + (attributeColumns(String(column)) ? Number(bytes) : 0), 0);
  const size = statSync(path).size;
  rmSync(path);
  return { layout, bytesPerSpan: size / spans, attributeBytesPerSpan: attributeBytes / spans };
}

/** Sizes of the layouts above for the spans of `files`; `workDir` is removed afterwards. */
export async function layoutSizes(duck: DuckDBConnection, files: readonly string[], zstdLevel: number, rowGroup: number, workDir: string): Promise<LayoutSize[]> {
  mkdirSync(workDir, { recursive: true });
  try {
    const spans = await loadStored(duck, files);
    const out = join(workDir, "layout.parquet");
    const binaryIds = IDS.map((c) => `unhex(${quoteIdent(c)}) AS ${quoteIdent(c)}`).join(", ");
    const isAttributes = (c: string) => c === "attributes";
    const isSplit = (c: string) => /^a\d+$/.test(c) || c.startsWith("attribute_order");
    const sizes = [
      await written(duck, "SELECT * EXCLUDE (_row) FROM stored ORDER BY _row", out, zstdLevel, rowGroup, isAttributes, spans, "as compacted"),
      await written(duck, `SELECT ${binaryIds}, * EXCLUDE (_row, ${IDS.join(", ")}) FROM stored ORDER BY _row`, out, zstdLevel, rowGroup, isAttributes, spans, "binary ids"),
    ];
    await splitAttributes(duck, workDir, false);
    const held = new Set((await duck.runAndReadAll("SELECT column_name FROM (DESCRIBE stored)")).getRows().map(([c]) => String(c)));
    const drop = ["_row", "attributes", ...IDS, ...DEDICATED_COLUMNS.filter((c) => held.has(c))].join(", ");
    const typed = `SELECT ${binaryIds}, s.* EXCLUDE (${drop}), split.* EXCLUDE (_row) FROM stored s JOIN split USING (_row) ORDER BY _row`;
    sizes.push(await written(duck, typed, out, zstdLevel, rowGroup, isSplit, spans, "binary ids + typed attribute columns"));
    sizes.push(await written(duck, typed, out, 9, 65_536, isSplit, spans, "the same, zstd 9, 65,536-row groups"));
    return sizes;
  } finally {
    await duck.run("DROP TABLE IF EXISTS split");
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * The attribute JSON of `files` read as it is vs rebuilt from text columns (one concatenation
 * per key order), each timed over the same rows, in turns; every rebuilt row is compared.
 */
export async function rebuildCost(duck: DuckDBConnection, files: readonly string[], workDir: string, rounds = 3): Promise<RebuildCost> {
  mkdirSync(workDir, { recursive: true });
  try {
    const rows = await loadStored(duck, files);
    const columns = await splitAttributes(duck, workDir, true);
    const json = join(workDir, "json.parquet");
    const split = join(workDir, "split.parquet");
    await duck.run(`COPY (SELECT attributes FROM stored ORDER BY _row) TO ${quoteLiteral(json)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`);
    await duck.run(`COPY (SELECT * EXCLUDE (_row) FROM split ORDER BY _row) TO ${quoteLiteral(split)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`);
    // One concatenation per key order met: few orders, each a fixed list of pieces.
    const orders = (await duck.runAndReadAll("SELECT DISTINCT attribute_order::VARCHAR FROM split")).getRows().map(([o]) => String(o));
    const arms = orders.map((order) => {
      const ids = JSON.parse(order) as number[];
      const pieces = ids.flatMap((id, i) => [quoteLiteral((i === 0 ? "[" : ",") + columns[id]!.open), columns[id]!.name, quoteLiteral(columns[id]!.close)]);
      return `WHEN ${quoteLiteral(order)} THEN concat(${[...(ids.length === 0 ? ["'['"] : pieces), "']'"].join(", ")})`;
    });
    const rebuilt = `CASE attribute_order::VARCHAR ${arms.join(" ")} END`;
    const time = async (sql: string) => {
      const t0 = performance.now();
      await duck.runAndReadAll(sql);
      return performance.now() - t0;
    };
    let jsonMs = Infinity;
    let rebuiltMs = Infinity;
    for (let i = 0; i < rounds; i++) {
      jsonMs = Math.min(jsonMs, await time(`SELECT sum(length(attributes)) FROM read_parquet(${quoteLiteral(json)})`));
      rebuiltMs = Math.min(rebuiltMs, await time(`SELECT sum(length(${rebuilt})) FROM read_parquet(${quoteLiteral(split)})`));
    }
    const check = await duck.runAndReadAll(
      `SELECT count(*)::INTEGER FROM (SELECT row_number() OVER () AS _row, ${rebuilt} AS rebuilt FROM read_parquet(${quoteLiteral(split)})) r ` +
        `JOIN stored USING (_row) WHERE rebuilt IS DISTINCT FROM coalesce(nullif(stored.attributes, ''), '[]')`,
    );
    return { jsonMs, rebuiltMs, rows, mismatches: check.getRows()[0]![0] as number };
  } finally {
    await duck.run("DROP TABLE IF EXISTS split");
    await duck.run("DROP TABLE IF EXISTS stored");
    rmSync(workDir, { recursive: true, force: true });
  }
}
