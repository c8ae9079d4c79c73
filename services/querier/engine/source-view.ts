/**
 * A query's input for one table: the Parquet files the caller selected (already pruned by
 * time) plus the writers' live rows (already deduplicated against those files). Both become
 * one connection-local view, so query SQL never needs to know where rows came from.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { RecordBatch } from "apache-arrow";
import { quoteIdent, quoteLiteral, storedColumnSql } from "../../../shared/duckdb/index.ts";
import { DEDICATED_COLUMNS, TABLE_SCHEMAS, TIME_COLUMN, type TableName } from "../../../shared/tables/index.ts";
import { dedicatedColumnsOnTheFlySql } from "./dedicated-sql.ts";
import { filesWithDedicatedColumns } from "./dedicated-files.ts";
import { createLiveTable, LIVE_FILE_PREFIX, LIVE_ROW } from "./live-rows.ts";
import type { RowRange } from "./trace-id-index.ts";
import { storedScan } from "./parquet-scan.ts";

export interface QuerySources {
  /** Local Parquet paths for the ticket's table. */
  files: string[];
  /** Unflushed rows from the writers, shaped like the table's schema. */
  live: RecordBatch[];
  /** Rows whose time (the table's TIME_COLUMN) is below this are past retention: never shown. */
  notBeforeNs?: bigint;
}

/** Per-table sources, for tickets that read several tables (SQL). */
export type TableSources = Partial<Record<TableName, QuerySources>>;

export const NO_SOURCES: QuerySources = { files: [], live: [] };

export interface SourceViewOptions {
  /**
   * Also expose the dedicated attribute columns of spans (shared/tables/dedicated-attributes.ts):
   * read from files that carry them, computed on the fly for older files; live rows carry
   * them from the writer (computed once per batch by live-rows.ts when an older writer did not). Built-in queries only; user SQL sees
   * exactly the table's columns.
   */
  dedicated?: boolean;
  /**
   * Also expose where each row is: `_file` (the Parquet path) and `_row` (its row number in
   * the file); live rows get `_file` 'live:' + batch id and their row in that batch. A later statement can then
   * fetch exactly those rows again: `_row IN (...)` reaches the Parquet scan, which reads
   * only the pages holding them. Built-in queries only.
   */
  locate?: boolean;
  /** Leave out rows whose time is below this (retention): files may still hold them. */
  notBeforeNs?: bigint;
  /**
   * Only these rows of these files (trace-id-index.ts): each such file is a scan of its own
   * filtered by `file_row_number`, which DuckDB prunes row groups by.
   */
  rowRanges?: ReadonlyMap<string, RowRange>;
}

/**
 * Creates TEMP table `<view>_live` with a copy of the live rows (live-rows.ts; its quoted
 * name is returned, null when there are none) and TEMP VIEW `<view>` = Parquet UNION ALL
 * live, for views that must outlive one callback (user SQL). Built-in queries read the live
 * rows in place instead (withLiveScan + createFilesView). The view is inlined wherever it is
 * used, so filters reach the Parquet scan.
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
  // Without live rows there is no table to create (each costs time), unless nothing else would give
  // the view its columns.
  const shape = { dedicated: options.dedicated === true, needed: sources.files.length === 0 };
  const live = await createLiveTable(connection, table, liveTableOf(viewName), sources.live, shape);
  await createFilesView(connection, table, viewName, live, sources.files, { ...options, notBeforeNs: sources.notBeforeNs });
  return live;
}

/**
 * (Re)defines `viewName` over `files` plus `live`, a table expression over live rows shaped
 * by live-rows.ts (withLiveScan or createLiveTable, with `dedicated` when the view has it;
 * none: null): narrower views of the same sources (search-scope.ts) share one.
 */
export async function createFilesView(
  connection: DuckDBConnection,
  table: TableName,
  viewName: string,
  live: string | null,
  sourceFiles: readonly string[],
  options: SourceViewOptions = {},
): Promise<void> {
  const select = await filesViewSelect(connection, table, live, sourceFiles, options);
  await connection.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(viewName)} AS ${select}`);
}

/**
 * The query createFilesView names, for a statement that reads it once: as a subquery it
 * costs no statement of its own (DuckDB binds the files' scans once, not for the view and
 * again for the statement).
 */
export async function filesViewSelect(
  connection: DuckDBConnection,
  table: TableName,
  live: string | null,
  sourceFiles: readonly string[],
  options: SourceViewOptions = {},
): Promise<string> {
  const files = [...sourceFiles].sort().reverse();
  const columns = TABLE_SCHEMAS[table].fields.map((f) => quoteIdent(f.name)).join(", ");
  // A file may store a derivable column as NULL (a compacted span file's end time): read back derived.
  const fileColumns = TABLE_SCHEMAS[table].fields.map((f) => storedColumnSql(table, f.name)).join(", ");
  const dedicated = options.dedicated === true && table === "traces";
  const locate = options.locate === true;
  const ranges = options.rowRanges ?? new Map<string, RowRange>();
  // Files of several schemas (older files lack newer columns) are read by column name.
  const scan = (paths: string[], ranged: boolean) => storedScan(connection, table, paths, { filename: locate, fileRowNumber: locate || ranged });
  const fileLocation = locate ? ", filename AS _file, file_row_number AS _row" : "";
  // A live row is found again by its batch and its row in it.
  const liveLocation = locate ? `, ${quoteLiteral(LIVE_FILE_PREFIX)} || batch_id AS _file, ${LIVE_ROW} AS _row` : "";

  // Files and live rows that store the dedicated columns read them.
  const stored = dedicated ? `, ${DEDICATED_COLUMNS.map(quoteIdent).join(", ")}` : "";
  const withStored = dedicated ? await filesWithDedicatedColumns(connection, files) : new Set(files);
  const retained = options.notBeforeNs === undefined ? [] : [`${quoteIdent(TIME_COLUMN[table])} >= ${options.notBeforeNs}`];
  const where = (conditions: string[]) => (conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`);
  const parts: string[] = [];
  const select = async (paths: string[], own: string, range?: RowRange) => {
    if (paths.length === 0) return;
    const rows = range === undefined ? [] : [`file_row_number BETWEEN ${range.first} AND ${range.last}`];
    parts.push(`SELECT ${fileColumns}${own}${fileLocation} FROM ${await scan(paths, range !== undefined)}${where([...rows, ...retained])}`);
  };
  // Older files (without the dedicated columns) compute them.
  for (const [group, own] of [
    [files.filter((f) => withStored.has(f)), stored],
    [files.filter((f) => !withStored.has(f)), `, ${dedicatedColumnsOnTheFlySql()}`],
  ] as const) {
    await select(group.filter((f) => !ranges.has(f)), own);
    for (const f of group.filter((g) => ranges.has(g))) await select([f], own, ranges.get(f));
  }
  if (live !== null) parts.push(`SELECT ${columns}${stored}${liveLocation} FROM ${live}${where(retained)}`);
  // The live rows (even none) are what give a view without files its columns.
  if (parts.length === 0) throw new Error(`source view of ${table}: no files and no live rows`);
  return parts.join(" UNION ALL BY NAME ");
}

/** The TEMP table holding a source view's live rows. */
function liveTableOf(viewName: string): string {
  return `${viewName}_live`;
}
