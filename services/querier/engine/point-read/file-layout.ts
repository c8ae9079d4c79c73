/**
 * Where each column chunk of a Parquet file lies, per row group, and how it is typed: read
 * once per file from DuckDB's footer functions (the instance caches footers) and kept, since
 * a file never changes under its path. A column the point reader cannot decode is recorded
 * as such, so a read that needs it goes to DuckDB instead. Kept in flat typed arrays: a
 * large compacted file has tens of thousands of chunks.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { LRUCache } from "lru-cache";
import { quoteLiteral } from "../../../../shared/duckdb/index.ts";
import { connectionOf, type ConnectionSource } from "../lazy-connection.ts";
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

export class FileLayout {
  constructor(
    /** Top-level columns the point reader decodes; null for one it cannot (nested, other types). */
    readonly columns: ReadonlyMap<string, ColumnType | null>,
    /** Each chunk column's position in a row group's slice of the arrays below. */
    private readonly chunkColumns: ReadonlyMap<string, number>,
    readonly firstRows: Float64Array,
    readonly rows: Float64Array,
    /** Per row group and chunk column (group * columns + column); a missing chunk has size -1. */
    private readonly offsets: Float64Array,
    private readonly sizes: Float64Array,
    private readonly codecs: Uint8Array,
    private readonly codecNames: readonly string[],
  ) {}

  get rowGroupCount(): number {
    return this.rows.length;
  }

  get chunkCount(): number {
    return this.sizes.length;
  }

  chunk(group: number, column: string): ChunkLocation | undefined {
    const c = this.chunkColumns.get(column);
    if (c === undefined) return undefined;
    const at = group * this.chunkColumns.size + c;
    if (this.sizes[at]! < 0) return undefined;
    return { offset: this.offsets[at]!, bytes: this.sizes[at]!, codec: this.codecNames[this.codecs[at]!]! };
  }
}

/** DuckDB type of a readable column → its physical Parquet type. */
const READABLE: Record<string, Physical> = { VARCHAR: "BYTE_ARRAY", INTEGER: "INT32", BIGINT: "INT64" };

/** Chunks kept across all files (17 bytes each): about 70 MB. */
const DEFAULT_MAX_CHUNKS = 4_000_000;

export class FileLayouts {
  private readonly layouts: LRUCache<string, FileLayout>;

  constructor(maxChunks = DEFAULT_MAX_CHUNKS) {
    this.layouts = new LRUCache({ maxSize: maxChunks, sizeCalculation: (layout) => Math.max(1, layout.chunkCount) });
  }

  /** `connection`: taken only when the file's layout is not known yet. */
  async of(connection: ConnectionSource, path: string): Promise<FileLayout> {
    const known = this.layouts.get(path);
    if (known !== undefined) return known;
    const layout = await readLayout(await connectionOf(connection), path);
    // A layout larger than the whole bound is not kept (lru-cache refuses it) and read again next time.
    this.layouts.set(path, layout);
    return layout;
  }
}

async function readLayout(connection: DuckDBConnection, path: string): Promise<FileLayout> {
  const file = quoteLiteral(path);
  const schema = await connection.runAndReadAll(`SELECT name, type, repetition_type, num_children, duckdb_type FROM parquet_schema(${file})`);
  const columns = new Map<string, ColumnType | null>();
  // The first element is the root; a flat file's other elements are its columns. A nested
  // column (num_children > 0) makes its leaves' paths dotted: none of them is readable here.
  for (const [name, type, repetition, children, duckdbType] of schema.getRows().slice(1) as [string, string | null, string, bigint | null, string | null][]) {
    const physical = READABLE[duckdbType ?? ""];
    const flat = (children === null || children === 0n) && repetition !== "REPEATED";
    columns.set(name, flat && physical !== undefined && physical === type ? { physical, optional: repetition === "OPTIONAL" } : null);
  }
  const meta = await connection.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, path_in_schema, compression, dictionary_page_offset, data_page_offset, total_compressed_size ` +
      `FROM parquet_metadata(${file}) ORDER BY row_group_id, column_id`,
  );
  type Row = [bigint, bigint, string, string, bigint | null, bigint, bigint];
  const chunks = meta.getRows() as Row[];
  const chunkColumns = new Map<string, number>();
  for (const [, , name] of chunks) if (!chunkColumns.has(name)) chunkColumns.set(name, chunkColumns.size);
  const groups = chunks.length === 0 ? 0 : Number(chunks[chunks.length - 1]![0]) + 1;
  const firstRows = new Float64Array(groups);
  const rows = new Float64Array(groups).fill(-1);
  const offsets = new Float64Array(groups * chunkColumns.size);
  const sizes = new Float64Array(groups * chunkColumns.size).fill(-1);
  const codecs = new Uint8Array(groups * chunkColumns.size);
  const codecNames: string[] = [];
  for (const [group, groupRows, name, codec, dictionaryOffset, dataOffset, bytes] of chunks) {
    const g = Number(group);
    rows[g] = Number(groupRows);
    const at = g * chunkColumns.size + chunkColumns.get(name)!;
    // Offset 0 is the file's magic number, never a page: DuckDB reports no dictionary so.
    offsets[at] = Number(dictionaryOffset !== null && dictionaryOffset > 0n && dictionaryOffset < dataOffset ? dictionaryOffset : dataOffset);
    sizes[at] = Number(bytes);
    if (!codecNames.includes(codec)) codecNames.push(codec);
    codecs[at] = codecNames.indexOf(codec);
  }
  for (let g = 0; g < groups; g++) {
    if (rows[g]! < 0) throw new Error(`${path}: row group ${g} missing from its footer`);
    firstRows[g] = g === 0 ? 0 : firstRows[g - 1]! + rows[g - 1]!;
  }
  return new FileLayout(columns, chunkColumns, firstRows, rows, offsets, sizes, codecs, codecNames);
}
