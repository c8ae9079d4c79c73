/**
 * The facts a Parquet file carries about itself in its footer key/value metadata, so an
 * empty catalog can be rebuilt from storage alone (docs/architecture.md §6). Keys are `signalbox.*`;
 * values are strings (times as decimal ns, batch ids as a JSON array).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../shared/duckdb/index.ts";
import { TABLE_NAMES, type TableName } from "../../../shared/tables/index.ts";

export const FOOTER_KEYS = {
  formatVersion: "signalbox.format_version",
  orgId: "signalbox.org_id",
  bucket: "signalbox.bucket",
  table: "signalbox.table",
  shardId: "signalbox.shard_id",
  batchIds: "signalbox.batch_ids",
  rows: "signalbox.rows",
  minTimeNs: "signalbox.min_time_ns",
  maxTimeNs: "signalbox.max_time_ns",
} as const;

export const FOOTER_FORMAT_VERSION = "1";

export interface ParquetFooter {
  orgId: string;
  bucket: string;
  table: TableName;
  shardId: number;
  batchIds: string[];
  rows: number;
  minTimeNs: bigint;
  maxTimeNs: bigint;
}

export class InvalidFooterError extends Error {
  constructor(path: string, reason: string) {
    super(`Parquet footer of ${path}: ${reason}`);
    this.name = "InvalidFooterError";
  }
}

/** The caller-known part of the footer; writeParquet adds table, rows and the time range. */
export function footerMetadata(args: { orgId: string; bucket: string; shardId: number; batchIds: readonly string[] }): Record<string, string> {
  return {
    [FOOTER_KEYS.orgId]: args.orgId,
    [FOOTER_KEYS.bucket]: args.bucket,
    [FOOTER_KEYS.shardId]: String(args.shardId),
    [FOOTER_KEYS.batchIds]: JSON.stringify(args.batchIds),
  };
}

/** The footer facts computed from the rows themselves; they win over anything a caller passed. */
export function footerFacts(args: { table: TableName; rows: number; minTimeNs: bigint; maxTimeNs: bigint }): Record<string, string> {
  return {
    [FOOTER_KEYS.formatVersion]: FOOTER_FORMAT_VERSION,
    [FOOTER_KEYS.table]: args.table,
    [FOOTER_KEYS.rows]: String(args.rows),
    [FOOTER_KEYS.minTimeNs]: String(args.minTimeNs),
    [FOOTER_KEYS.maxTimeNs]: String(args.maxTimeNs),
  };
}

/** Footer key/values as DuckDB's COPY option: `KV_METADATA {k: v, ...}`. */
export function kvMetadataSql(metadata: Record<string, string>): string {
  const kv = Object.entries(metadata)
    .map(([k, v]) => `${quoteLiteral(k)}: ${quoteLiteral(v)}`)
    .join(", ");
  return `KV_METADATA {${kv}}`;
}

/** The raw key/value metadata of a Parquet file's footer. */
export async function readParquetFooter(db: DuckDBConnection, path: string): Promise<Record<string, string>> {
  const reader = await db.runAndReadAll(
    `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${quoteLiteral(path)})`,
  );
  const out: Record<string, string> = {};
  for (const row of reader.getRowObjectsJS()) out[String(row.k)] = String(row.v);
  return out;
}

/** Validates and types a footer map written by writeParquet. */
export function parseFooter(path: string, meta: Record<string, string>): ParquetFooter {
  const need = (key: string) => {
    const v = meta[key];
    if (v === undefined) throw new InvalidFooterError(path, `missing ${key}`);
    return v;
  };
  const table = need(FOOTER_KEYS.table);
  if (!TABLE_NAMES.includes(table as TableName)) throw new InvalidFooterError(path, `unknown table ${table}`);
  let batchIds: unknown;
  try {
    batchIds = JSON.parse(need(FOOTER_KEYS.batchIds));
  } catch {
    throw new InvalidFooterError(path, `${FOOTER_KEYS.batchIds} is not JSON`);
  }
  if (!Array.isArray(batchIds) || !batchIds.every((b) => typeof b === "string")) {
    throw new InvalidFooterError(path, `${FOOTER_KEYS.batchIds} is not an array of strings`);
  }
  const int = (key: string) => {
    const v = need(key);
    if (!/^-?\d+$/.test(v)) throw new InvalidFooterError(path, `${key} is not an integer: ${v}`);
    return v;
  };
  return {
    orgId: need(FOOTER_KEYS.orgId),
    bucket: need(FOOTER_KEYS.bucket),
    table: table as TableName,
    shardId: Number(int(FOOTER_KEYS.shardId)),
    batchIds,
    rows: Number(int(FOOTER_KEYS.rows)),
    minTimeNs: BigInt(int(FOOTER_KEYS.minTimeNs)),
    maxTimeNs: BigInt(int(FOOTER_KEYS.maxTimeNs)),
  };
}
