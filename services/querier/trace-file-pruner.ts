/**
 * Which remote Parquet files can hold a trace, decided from their footers alone: a traces
 * file is sorted by trace_id, so each row group's trace_id min/max (and, when DuckDB wrote
 * one, its bloom filter) rules it in or out. A cold trace-by-id then downloads only the
 * files some row group points to. The footers come as stubs from the file cache; DuckDB's
 * own metadata functions read them, so no Parquet/Thrift parsing lives here.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../shared/duckdb/index.ts";
import type { ByteRange } from "../../shared/storage/index.ts";

const TRACE_COLUMN = "trace_id";

export class TraceFilePruner {
  private constructor(private readonly handle: DuckDBHandle) {}

  static async open(): Promise<TraceFilePruner> {
    return new TraceFilePruner(await openDuckDB(":memory:", { config: { threads: "1" } }));
  }

  /** The trace_id bloom filters a stub must hold before `mayHoldTrace` can trust them. */
  async bloomRanges(stubPath: string): Promise<ByteRange[]> {
    const rows = await this.query(
      `SELECT bloom_filter_offset AS o, bloom_filter_length AS l FROM parquet_metadata(${quoteLiteral(stubPath)}) ` +
        `WHERE path_in_schema = ${quoteLiteral(TRACE_COLUMN)} AND bloom_filter_offset IS NOT NULL AND bloom_filter_length > 0`,
    );
    return rows.map((r) => ({ offset: Number(r.o), length: Number(r.l) }));
  }

  /** False only when every row group's statistics or bloom filter exclude `traceId`. */
  async mayHoldTrace(stubPath: string, traceId: string): Promise<boolean> {
    const stub = quoteLiteral(stubPath);
    const id = quoteLiteral(traceId);
    const rows = await this.query(
      `SELECT count(*)::INTEGER AS n FROM parquet_metadata(${stub}) m ` +
        `LEFT JOIN parquet_bloom_probe(${stub}, ${quoteLiteral(TRACE_COLUMN)}, ${id}) b USING (row_group_id) ` +
        `WHERE m.path_in_schema = ${quoteLiteral(TRACE_COLUMN)} ` +
        `AND (coalesce(m.stats_min_value, m.stats_min) IS NULL OR ${id} >= coalesce(m.stats_min_value, m.stats_min)) ` +
        `AND (coalesce(m.stats_max_value, m.stats_max) IS NULL OR ${id} <= coalesce(m.stats_max_value, m.stats_max)) ` +
        `AND NOT coalesce(b.bloom_filter_excludes, false)`,
    );
    return Number(rows[0]?.n ?? 1) > 0;
  }

  close(): void {
    this.handle.close();
  }

  private async query(sql: string): Promise<Array<Record<string, unknown>>> {
    // A connection per call: calls come concurrently from many files.
    const connection: DuckDBConnection = await this.handle.instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>;
    } finally {
      connection.closeSync();
    }
  }
}
