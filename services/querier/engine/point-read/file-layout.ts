/**
 * Where each column chunk of a Parquet file lies, per row group, and how it is typed: read
 * once per file from DuckDB's footer functions (the instance caches footers) and kept, since
 * a file never changes under its path. A column the point reader cannot decode is recorded
 * as such, so a read that needs it goes to DuckDB instead.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { LRUCache } from "lru-cache";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import type { Physical } from "./column-chunk.ts";

export interface ChunkLocation {
  offset: number;
  bytes: number;
  codec: string;
}

export interface ColumnType {
  physical: Physical;
  optional: boolean;
}

export interface RowGroupLayout {
  firstRow: number;
  rows: number;
  chunks: Map<string, ChunkLocation>;
}

export interface FileLayout {
  rowGroups: RowGroupLayout[];
  /** Top-level columns the point reader decodes; null for one it cannot (nested, other types). */
  columns: Map<string, ColumnType | null>;
}

/** DuckDB type of a readable column → its physical Parquet type. */
const READABLE: Record<string, Physical> = { VARCHAR: "BYTE_ARRAY", INTEGER: "INT32", BIGINT: "INT64" };

/** Layouts are a few hundred bytes per row group; the files a querier keeps reading stay. */
const DEFAULT_MAX_FILES = 512;

export class FileLayouts {
  private readonly layouts: LRUCache<string, FileLayout>;

  constructor(maxFiles = DEFAULT_MAX_FILES) {
    this.layouts = new LRUCache({ max: maxFiles });
  }

  async of(connection: DuckDBConnection, path: string): Promise<FileLayout> {
    const known = this.layouts.get(path);
    if (known !== undefined) return known;
    const layout = await readLayout(connection, path);
    this.layouts.set(path, layout);
    return layout;
  }
}

async function readLayout(connection: DuckDBConnection, path: string): Promise<FileLayout> {
  const file = quoteLiteral(path);
  const schema = await connection.runAndReadAll(
    `SELECT name, type, repetition_type, num_children, duckdb_type, column_id FROM parquet_schema(${file})`,
  );
  const columns = new Map<string, ColumnType | null>();
  // The first element is the root; a flat file's other elements are its columns. A nested
  // column (num_children > 0) makes its leaves' paths dotted: none of them is readable here.
  for (const [name, type, repetition, children, duckdbType] of schema.getRows().slice(1) as [string, string | null, string, bigint | null, string | null][]) {
    const physical = READABLE[duckdbType ?? ""];
    const flat = (children === null || children === 0n) && repetition !== "REPEATED";
    columns.set(name, flat && physical !== undefined && physical === type ? { physical, optional: repetition === "OPTIONAL" } : null);
  }
  const chunks = await connection.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, path_in_schema, compression, dictionary_page_offset, data_page_offset, total_compressed_size ` +
      `FROM parquet_metadata(${file}) ORDER BY row_group_id, column_id`,
  );
  const rowGroups: RowGroupLayout[] = [];
  type Row = [bigint, bigint, string, string, bigint | null, bigint, bigint];
  for (const [group, rows, name, codec, dictionaryOffset, dataOffset, bytes] of chunks.getRows() as Row[]) {
    const id = Number(group);
    if (rowGroups[id] === undefined) {
      const previous = rowGroups[id - 1];
      rowGroups[id] = { firstRow: previous === undefined ? 0 : previous.firstRow + previous.rows, rows: Number(rows), chunks: new Map() };
    }
    // Offset 0 is the file's magic number, never a page: DuckDB reports no dictionary so.
    const offset = dictionaryOffset !== null && dictionaryOffset > 0n && dictionaryOffset < dataOffset ? dictionaryOffset : dataOffset;
    rowGroups[id]!.chunks.set(name, { offset: Number(offset), bytes: Number(bytes), codec });
  }
  for (let i = 0; i < rowGroups.length; i++) if (rowGroups[i] === undefined) throw new Error(`${path}: row group ${i} missing from its footer`);
  return { rowGroups, columns };
}
