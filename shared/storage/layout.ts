/**
 * Where a Parquet file lives, relative to the storage root:
 *   {org}/{bucket}/{table}/date=YYYY-MM-DD/hour=HH/{uuid}.parquet
 * The date and hour are the UTC of the file's smallest row time. Hive-style folders let
 * DuckDB (and a time filter) skip whole hours. Org and bucket are encoded by
 * path-segment.ts, so the key is always exactly six safe segments.
 */
import { TABLE_NAMES, type TableName } from "../tables/index.ts";
import { NotAParquetPathError } from "./errors.ts";
import { decodePathSegment, encodePathSegment } from "./path-segment.ts";

export interface ParquetLocation {
  orgId: string;
  bucket: string;
  table: TableName;
  /** YYYY-MM-DD (UTC). */
  date: string;
  /** 00..23 (UTC). */
  hour: string;
  /** The file's uuid (the name without `.parquet`). */
  fileId: string;
}

const NS_PER_MS = 1_000_000n;
const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function timePartition(minTimeNs: bigint): { date: string; hour: string } {
  // Floor division, so times before 1970 land in the right hour too.
  let ms = minTimeNs / NS_PER_MS;
  if (minTimeNs < 0n && minTimeNs % NS_PER_MS !== 0n) ms -= 1n;
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) throw new RangeError(`time ${minTimeNs} ns is outside the representable range`);
  const iso = d.toISOString();
  return { date: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** The storage key of a new Parquet file. `fileId` defaults to a time-ordered UUIDv7. */
export function parquetPath(args: {
  orgId: string;
  bucket: string;
  table: TableName;
  minTimeNs: bigint;
  fileId?: string;
}): string {
  const { date, hour } = timePartition(args.minTimeNs);
  const fileId = args.fileId ?? Bun.randomUUIDv7();
  if (!FILE_ID.test(fileId)) throw new NotAParquetPathError(fileId, "file id is not a lower-case uuid");
  if (!TABLE_NAMES.includes(args.table)) throw new NotAParquetPathError(args.table, "unknown table");
  return [
    encodePathSegment("org id", args.orgId),
    encodePathSegment("bucket", args.bucket),
    args.table,
    `date=${date}`,
    `hour=${hour}`,
    `${fileId}.parquet`,
  ].join("/");
}

/** The folder that holds all of one org/bucket/table's files (for listing). */
export function tablePrefix(orgId: string, bucket: string, table: TableName): string {
  return `${encodePathSegment("org id", orgId)}/${encodePathSegment("bucket", bucket)}/${table}/`;
}

/** Parses a key made by parquetPath (relative to the storage root) back into its parts. */
export function parseParquetPath(key: string): ParquetLocation {
  const parts = key.split("/");
  if (parts.length !== 6) throw new NotAParquetPathError(key, `expected 6 segments, got ${parts.length}`);
  const [org, bucket, table, dateDir, hourDir, file] = parts;
  if (!TABLE_NAMES.includes(table as TableName)) throw new NotAParquetPathError(key, `unknown table ${table}`);
  const date = /^date=(\d{4}-\d{2}-\d{2})$/.exec(dateDir)?.[1];
  const hour = /^hour=([01]\d|2[0-3])$/.exec(hourDir)?.[1];
  const fileId = /^(.+)\.parquet$/.exec(file)?.[1];
  if (!date) throw new NotAParquetPathError(key, "bad date folder");
  if (!hour) throw new NotAParquetPathError(key, "bad hour folder");
  if (!fileId || !FILE_ID.test(fileId)) throw new NotAParquetPathError(key, "bad file name");
  return {
    orgId: decodePathSegment("org id", org),
    bucket: decodePathSegment("bucket", bucket),
    table: table as TableName,
    date,
    hour,
    fileId,
  };
}
