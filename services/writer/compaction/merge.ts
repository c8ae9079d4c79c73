/**
 * Several Parquet files of one partition → one: the same row groups and compression as a
 * flush, a footer whose batch ids are the union of the inputs' (live-row dedupe and manifest
 * rebuild read them), and rows in the order queries read a large file by (compactedOrderSql).
 * A batch two inputs both hold (flushed twice after a failover) is kept from the first input
 * only. A logs file's plain-logfmt services carry over (parquet/logs-footer.ts). Written to a temp file, fsynced and renamed: all or nothing.
 */
import { rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { DataFile } from "../../../shared/catalog/index.ts";
import { derivableNullSql, filledColumnsSql, quoteIdent, quoteLiteral } from "../../../shared/duckdb/index.ts";
import { FILE_COLUMN_DEFAULTS, SORT_ORDER, TABLE_SCHEMAS, TIME_COLUMN, type TableName } from "../../../shared/tables/index.ts";
import { durableRename, ensureDirDurable, tempPathFor } from "../../../shared/storage/index.ts";
import { footerFacts, footerMetadata, kvMetadataSql, mergedLogsFooterFacts, parquetOptions, ROW_GROUP_SIZE, type ParquetLayout } from "../parquet/index.ts";

export interface MergeInput {
  file: DataFile;
  /** Where DuckDB reads it (the store's own path, or a downloaded copy). */
  localPath: string;
}

/**
 * Inputs that share one schema, but for the columns a file may leave out at their default
 * (shared/tables/file-defaults.ts), and the leaf columns of any of them in file order: what
 * one merge reads and writes.
 */
export interface SchemaGroup {
  columns: string[];
  /** Columns some inputs left out: read by name and filled with their default. */
  partial: string[];
  /** In the order their batches are preferred (oldest first). */
  inputs: MergeInput[];
}

export interface MergeResult {
  rows: number;
  bytes: number;
  minTimeNs: bigint;
  maxTimeNs: bigint;
  batchIds: string[];
  /** Rows left out because an earlier input held the same batch. */
  duplicateRows: number;
}

/**
 * One group of `groupBySchema`: all of one table, org, bucket and shard. With `notBeforeNs`,
 * rows older than it (past retention) are left out.
 */
export async function mergeParquet(
  db: DuckDBConnection,
  table: TableName,
  { inputs, columns, partial }: SchemaGroup,
  destPath: string,
  notBeforeNs?: bigint,
  zstdLevel = DEFAULT_COMPACTION_ZSTD_LEVEL,
): Promise<MergeResult> {
  const first = inputs[0]!.file;
  const { batchIds, dropped } = batchOwnership(inputs);
  const paths = inputs.map((i) => i.localPath);
  const list = `[${paths.map(quoteLiteral).join(", ")}]`;
  const byName = partial.length > 0 ? ", union_by_name = true" : "";
  const filled = (scan: string) => filledColumnsSql(table, scan, (name) => (partial.includes(name) ? "some" : "all"));
  let source = filled(`read_parquet(${list}, hive_partitioning = false${byName})`);
  let facts = {
    rows: inputs.reduce((n, i) => n + i.file.rows, 0),
    minTimeNs: inputs.reduce((m, i) => (BigInt(i.file.minTime) < m ? BigInt(i.file.minTime) : m), BigInt(first.minTime)),
    maxTimeNs: inputs.reduce((m, i) => (BigInt(i.file.maxTime) > m ? BigInt(i.file.maxTime) : m), BigInt(first.maxTime)),
  };
  if (dropped.length > 0) {
    await db.run("CREATE OR REPLACE TEMP TABLE compaction_dropped (filename VARCHAR, batch_id VARCHAR)");
    const values = dropped.map(([path, id]) => `(${quoteLiteral(path)}, ${quoteLiteral(id)})`);
    for (let i = 0; i < values.length; i += 1_000) await db.run(`INSERT INTO compaction_dropped VALUES ${values.slice(i, i + 1_000).join(", ")}`);
    source =
      `(SELECT s.* EXCLUDE (filename) FROM ${filled(`read_parquet(${list}, hive_partitioning = false${byName}, filename = true)`)} s ` +
      `ANTI JOIN compaction_dropped d ON s.filename = d.filename AND s.batch_id = d.batch_id)`;
  }
  const time = quoteIdent(TIME_COLUMN[table]);
  if (notBeforeNs !== undefined) source = `(SELECT * FROM ${source} WHERE ${time} >= ${notBeforeNs})`;
  if (dropped.length > 0 || notBeforeNs !== undefined) {
    const counted = await db.runAndReadAll(`SELECT count(*) AS n, min(${time}) AS lo, max(${time}) AS hi FROM ${source}`);
    const [n, lo, hi] = counted.getRows()[0] as [bigint, bigint, bigint];
    facts = { rows: Number(n), minTimeNs: lo, maxTimeNs: hi };
  }
  const metadata = {
    ...(table === "logs" ? await mergedLogsFooterFacts(db, paths) : {}),
    ...footerMetadata({ orgId: first.orgId, bucket: first.bucket, shardId: first.shardId, batchIds }),
    ...footerFacts({ table, ...facts }),
  };
  // A span's end is stored only where its start and duration do not give it (shared/tables derived-columns.ts).
  const select = columns.map((c) => derivableNullSql(table, c)).join(", ");
  const order = compactedOrderSql(table);
  await ensureDirDurable(dirname(destPath));
  const tmpPath = tempPathFor(destPath);
  try {
    await db.run(
      `COPY (SELECT ${select} FROM ${source} ORDER BY ${order}) TO ${quoteLiteral(tmpPath)} (${parquetOptions(table, { ...COMPACTED_LAYOUT[table], compressionLevel: zstdLevel })}, ${kvMetadataSql(metadata)})`,
    );
    await durableRename(tmpPath, destPath);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  } finally {
    if (dropped.length > 0) await db.run("DROP TABLE IF EXISTS compaction_dropped");
  }
  const { size } = await stat(destPath);
  const duplicateRows = inputs.reduce((n, i) => n + i.file.rows, 0) - facts.rows;
  return { ...facts, bytes: size, batchIds, duplicateRows };
}

/**
 * The zstd level of compacted files unless `compaction.zstd_level` says otherwise: a flush's
 * (DuckDB's default). A higher level shrinks a span file's attribute JSON, written once and
 * read for the whole retention, but zstd's deeper match search then becomes the largest part
 * of a merge, which should cost at most half the ingest path's CPU (issue #20): the trade is
 * the operator's (docs/operations.md, "What compaction buys").
 */
export const DEFAULT_COMPACTION_ZSTD_LEVEL = 3;

/**
 * How a compacted file is encoded (its zstd level: DEFAULT_COMPACTION_ZSTD_LEVEL).
 * - Spans: a trace by id, and a search's evaluation of its newest traces, decode the whole
 *   row group holding them in every column, and a flushed file is a few hundred rows; DuckDB
 *   writes no smaller group than one vector (2,048 rows), which costs a few percent more
 *   bytes than the flush's size. A larger group saves footer bytes but makes every trace by
 *   id decode twice the rows.
 * - Spans store their end time only where start + duration does not give it (never, from
 *   the decoder): NULL elsewhere, which readers derive (shared/tables/derived-columns.ts).
 * - Logs and metrics: row groups as flushed.
 */
const COMPACTED_LAYOUT: Readonly<Record<TableName, ParquetLayout>> = {
  traces: { rowGroupSize: 2_048 },
  logs: { rowGroupSize: ROW_GROUP_SIZE.logs },
  metrics: { rowGroupSize: ROW_GROUP_SIZE.metrics },
};

/**
 * The row order of a compacted file. Logs and metrics: the flush's (SORT_ORDER). Spans: whole
 * traces, newest trace first (by its earliest span), each trace's spans together in start
 * order. A flush sorts by trace_id, so that a trace by id prunes row groups by their
 * statistics; in a file of an hour of spans that order scatters the newest traces over every
 * row group, and a search (newest first) decodes them all. Ordered by time instead, a
 * search's candidate scan stops after the newest row groups, and the querier's trace-id index
 * keeps each trace's rows, so a trace by id or a search's traces read only the row groups
 * that hold them (services/querier/engine/trace-id-index.ts; docs/operations.md, "Data lifecycle").
 */
export function compactedOrderSql(table: TableName): string {
  if (table !== "traces") return SORT_ORDER[table].map(quoteIdent).join(", ");
  return "min(start_time_unix_nano) OVER (PARTITION BY trace_id) DESC, trace_id, start_time_unix_nano";
}

/** Each batch id's first holder; the (path, batch) pairs of later holders are dropped. */
function batchOwnership(inputs: readonly MergeInput[]): { batchIds: string[]; dropped: Array<[string, string]> } {
  const owner = new Map<string, string>();
  const dropped: Array<[string, string]> = [];
  for (const { file, localPath } of inputs) {
    for (const id of file.batchIds) {
      if (!owner.has(id)) owner.set(id, localPath);
      else if (owner.get(id) !== localPath) dropped.push([localPath, id]);
    }
  }
  return { batchIds: [...owner.keys()], dropped };
}

/**
 * `inputs` grouped by schema (leaf column names in file order), each group in input order:
 * files written before a column was added cannot be merged with files that have it. Files
 * that differ only in columns left out at their default merge, those columns filled. One
 * footer read per input, shared by the choice of group and the merge's column list.
 */
export async function groupBySchema(db: DuckDBConnection, inputs: readonly MergeInput[]): Promise<SchemaGroup[]> {
  const rows = (await db.runAndReadAll(fileColumnsSql(inputs.map((i) => i.localPath)))).getRows() as Array<[string, string]>;
  const columnsOf = new Map(rows.map(([file, cols]) => [file, cols === "" ? [] : cols.split("\u0001")]));
  const groups = new Map<string, { inputs: MergeInput[]; columnLists: string[][] }>();
  for (const input of inputs) {
    const columns = columnsOf.get(input.localPath) ?? [];
    const defaults = FILE_COLUMN_DEFAULTS[input.file.table as TableName] ?? new Map();
    const sig = `${input.file.table}\u0000${columns.filter((c) => !defaults.has(c)).join("\u0001")}`;
    const group = groups.get(sig);
    if (group) {
      group.inputs.push(input);
      group.columnLists.push(columns);
    } else groups.set(sig, { inputs: [input], columnLists: [columns] });
  }
  return [...groups.values()].map(({ inputs: members, columnLists }) => {
    const table = members[0]!.file.table as TableName;
    const columns = unionInContractOrder(table, columnLists);
    const partial = columns.filter((c) => !columnLists.every((list) => list.includes(c)));
    return { columns, partial, inputs: members };
  });
}

/** Every column of the lists once: the contract's in its order, then any other (spans' dedicated columns) as first seen. */
function unionInContractOrder(table: TableName, lists: readonly string[][]): string[] {
  const seen = [...new Set(lists.flat())];
  const contract = TABLE_SCHEMAS[table]?.fields.map((f) => f.name) ?? [];
  const rank = (c: string) => (contract.includes(c) ? contract.indexOf(c) : contract.length + seen.indexOf(c));
  return seen.sort((a, b) => rank(a) - rank(b));
}

/** One row per file: its leaf column names in file order, joined by U+0001. */
function fileColumnsSql(paths: readonly string[]): string {
  return (
    `SELECT file_name, string_agg(name, chr(1) ORDER BY rn) FROM ` +
    `(SELECT file_name, name, num_children, row_number() OVER () AS rn FROM parquet_schema([${paths.map(quoteLiteral).join(", ")}])) ` +
    `WHERE num_children IS NULL GROUP BY file_name`
  );
}
