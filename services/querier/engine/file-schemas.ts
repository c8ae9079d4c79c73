/**
 * Each Parquet file's columns, read once per process from its footer (footer-cache.ts). Used
 * to tell which files carry the dedicated attribute columns, and which files share one
 * schema — a scan over files of one schema needs no `union_by_name`, whose binding opens
 * every file again on every query.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { quoteLiteral } from "../../../shared/duckdb/index.ts";
import { FooterCache } from "./footer-cache.ts";

export interface FileColumns {
  names: ReadonlySet<string>;
  /** Equal for two files exactly when their schemas (names, types, order) are equal. */
  fingerprint: string;
}

const footers = new FooterCache<FileColumns>(async (connection, files) => {
  // parquet_schema lists a file's schema elements in footer order, one file after another.
  const reader = await connection.runAndReadAll(
    `SELECT file_name, name, concat_ws(':', type, converted_type, logical_type, repetition_type, num_children) ` +
      `FROM parquet_schema([${files.map(quoteLiteral).join(", ")}])`,
  );
  const read = new Map<string, { names: Set<string>; parts: string[] }>();
  for (const [file, name, type] of reader.getRows() as [string, string, string][]) {
    let entry = read.get(file);
    if (!entry) read.set(file, (entry = { names: new Set(), parts: [] }));
    entry.names.add(name);
    entry.parts.push(`${name}=${type}`);
  }
  return new Map([...read].map(([file, e]) => [file, { names: e.names, fingerprint: e.parts.join(",") }]));
}, { names: new Set(), fingerprint: "" });

export function fileColumns(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, FileColumns>> {
  return footers.get(connection, files);
}

/** True when all `files` have one schema (so a plain multi-file scan reads them all alike). */
export async function haveOneSchema(connection: DuckDBConnection, files: readonly string[]): Promise<boolean> {
  // One file (a trace by id, usually) has one schema: no footer to ask.
  if (new Set(files).size <= 1) return true;
  const columns = await fileColumns(connection, files);
  return new Set([...columns.values()].map((c) => c.fingerprint)).size <= 1;
}
