/**
 * A query's input for one table: the Parquet files the caller selected (already pruned by
 * time) plus the writers' live rows (already deduplicated against those files). Both become
 * one connection-local view, so query SQL never needs to know where rows came from.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { RecordBatch } from "apache-arrow";
import {
  appendArrow, DEDICATED_COLUMNS, dedicatedColumnsOnTheFlySql, quoteIdent, quoteLiteral, withDedicatedColumns, withDedicatedSchema,
} from "../../../shared/duckdb/index.ts";
import { TABLE_SCHEMAS, type TableName } from "../../../shared/signals/tables.ts";
import { filesWithDedicatedColumns } from "./dedicated-files.ts";
import { haveOneSchema } from "./file-schemas.ts";

export interface QuerySources {
  /** Local Parquet paths for the ticket's table. */
  files: string[];
  /** Unflushed rows from the writers, shaped like the table's schema. */
  live: RecordBatch[];
}

/** Per-table sources, for tickets that read several tables (SQL). */
export type TableSources = Partial<Record<TableName, QuerySources>>;

export const NO_SOURCES: QuerySources = { files: [], live: [] };

export interface SourceViewOptions {
  /**
   * Also expose the dedicated attribute columns of spans (shared/duckdb/dedicated-attributes.ts):
   * read from files that carry them, computed on the fly for older files, and for live rows
   * computed in JS into the live table (createFilesView with `dedicated` relies on a live
   * table made that way). Built-in queries only; user SQL sees exactly the table's columns.
   */
  dedicated?: boolean;
  /**
   * Also expose where each row is: `_file` (the Parquet path) and `_row` (its row number in
   * the file); live rows get `_file` '' and a negative `_row`. A later statement can then
   * fetch exactly those rows again: `_row IN (...)` reaches the Parquet scan, which reads
   * only the pages holding them (search-span-sets.ts). Built-in queries only.
   */
  locate?: boolean;
}

/**
 * Creates TEMP table `<view>_live` with the live rows (and their dedicated columns when
 * `dedicated`) — returned, or null when there are no live rows — and TEMP VIEW `<view>` = Parquet UNION
 * ALL live. The view is inlined wherever it is used, so filters reach the Parquet scan.
 *
 * - `hive_partitioning = false`: the `date=` / `hour=` folders would otherwise add `date` and
 *   `hour` columns that are not part of the table.
 * - Files are listed newest first (paths sort by date, hour, then UUIDv7 file name), so a
 *   newest-first top-N (search) finds its rows early and skips older row groups.
 * - Only the table's own columns are exposed (plus the dedicated attribute columns when asked for).
 */
export async function createSourceView(
  connection: DuckDBConnection,
  table: TableName,
  viewName: string,
  sources: QuerySources,
  options: SourceViewOptions = {},
): Promise<string | null> {
  // Without live rows there is no table to create (~1–2 ms), unless nothing else would give
  // the view its columns.
  const hasLive = sources.live.some((b) => b.numRows > 0);
  const liveTable = hasLive || sources.files.length === 0 ? liveTableOf(viewName) : null;
  if (liveTable !== null) {
    // The live rows' dedicated columns are computed here, in JS, as the writer's flush does:
    // the view then reads them like a file's instead of parsing every span's JSON per query.
    const dedicated = options.dedicated === true && table === "traces";
    const live = dedicated ? sources.live.map(withDedicatedColumns) : sources.live;
    const schema = dedicated ? withDedicatedSchema(TABLE_SCHEMAS[table]) : TABLE_SCHEMAS[table];
    await appendArrow(connection, liveTable, live, schema, { temp: true, mode: "create" });
  }
  await createFilesView(connection, table, viewName, liveTable, sources.files, options);
  return liveTable;
}

/**
 * (Re)defines `viewName` over `files` plus the live rows of an existing source view's live
 * table (none: null): a narrower view of the same sources (search-scope.ts) costs no second
 * live copy.
 */
export async function createFilesView(
  connection: DuckDBConnection,
  table: TableName,
  viewName: string,
  liveTable: string | null,
  sourceFiles: readonly string[],
  options: SourceViewOptions = {},
): Promise<void> {
  const files = [...sourceFiles].sort().reverse();
  const columns = TABLE_SCHEMAS[table].fields.map((f) => quoteIdent(f.name)).join(", ");
  const dedicated = options.dedicated === true && table === "traces";
  const locate = options.locate === true;
  const dedicatedList = DEDICATED_COLUMNS.map(quoteIdent).join(", ");
  // Files of several schemas (older files lack newer columns) are read by column name.
  const scan = async (paths: string[]) =>
    `read_parquet([${paths.map(quoteLiteral).join(", ")}], hive_partitioning = false` +
    `${(await haveOneSchema(connection, paths)) ? "" : ", union_by_name = true"}` +
    `${locate ? ", filename = true, file_row_number = true" : ""})`;
  const fileLocation = locate ? ", filename AS _file, file_row_number AS _row" : "";
  const liveLocation = locate ? ", '' AS _file, -1 - rowid AS _row" : "";

  const parts: string[] = [];
  if (!dedicated) {
    if (files.length > 0) parts.push(`SELECT ${columns}${fileLocation} FROM ${await scan(files)}`);
    if (liveTable !== null) parts.push(`SELECT ${columns}${liveLocation} FROM ${quoteIdent(liveTable)}`);
  } else {
    const stored = await filesWithDedicatedColumns(connection, files);
    const storedFiles = files.filter((f) => stored.has(f));
    const olderFiles = files.filter((f) => !stored.has(f));
    if (storedFiles.length > 0) {
      parts.push(`SELECT ${columns}, ${dedicatedList}${fileLocation} FROM ${await scan(storedFiles)}`);
    }
    if (olderFiles.length > 0) parts.push(`SELECT ${columns}, ${dedicatedColumnsOnTheFlySql()}${fileLocation} FROM ${await scan(olderFiles)}`);
    if (liveTable !== null) parts.push(`SELECT ${columns}, ${dedicatedList}${liveLocation} FROM ${quoteIdent(liveTable)}`);
  }
  // The live table (even empty) is what gives a view without files its columns.
  if (parts.length === 0) throw new Error(`source view ${viewName}: no files and no live table`);
  await connection.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(viewName)} AS ${parts.join(" UNION ALL BY NAME ")}`);
}

/** The TEMP table holding a source view's live rows. */
function liveTableOf(viewName: string): string {
  return `${viewName}_live`;
}
