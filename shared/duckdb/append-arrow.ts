/**
 * Arrow record batches → a DuckDB table, fast: the batches are cut into DuckDB data chunks
 * (2,048 rows) that are filled column by column (see column-copy.ts) and handed to an
 * appender. Used by the writer (Parquet flush) and the querier (writers' live rows).
 */
import duckdb from "@duckdb/node-bindings";
import { DuckDBDataChunk, type DuckDBConnection } from "@duckdb/node-api";
import type { RecordBatch, Schema } from "apache-arrow";
import { copyColumnSlice, copyValiditySlice, Scratch } from "./column-copy.ts";
import { plainColumnData, type ColumnPlan } from "./column-data.ts";
import { createTableSql, duckdbTypeOf, kindOf } from "./types.ts";

export interface AppendArrowOptions {
  /** Create the table as TEMP (connection-local, never written to the database file). Default true. */
  temp?: boolean;
  /** "create" (default): CREATE TABLE, failing if it exists; "existing": append to a table made earlier. */
  mode?: "create" | "existing";
}

/** Appends `batches` (each matching `schema` by column name) to `tableName`; returns the rows appended. */
export async function appendArrow(
  connection: DuckDBConnection,
  tableName: string,
  batches: readonly RecordBatch[],
  schema: Schema,
  opts: AppendArrowOptions = {},
): Promise<number> {
  const temp = opts.temp ?? true;
  const plan: ColumnPlan[] = schema.fields.map((f) => ({ name: f.name, kind: kindOf(f), nullable: f.nullable }));
  if ((opts.mode ?? "create") === "create") await connection.run(createTableSql(tableName, schema, temp));

  const appender = await connection.createAppender(tableName, temp ? "main" : null, temp ? "temp" : null);
  const chunkRows = duckdb.vector_size();
  const chunk = DuckDBDataChunk.create(schema.fields.map(duckdbTypeOf));
  const scratch = new Scratch();
  let appended = 0;
  try {
    for (const batch of batches) {
      const columns = plan.map((col) => plainColumnData(batch, col));
      for (let start = 0; start < batch.numRows; start += chunkRows) {
        const n = Math.min(chunkRows, batch.numRows - start);
        chunk.reset();
        chunk.rowCount = n;
        for (let c = 0; c < plan.length; c++) {
          const vector = duckdb.data_chunk_get_vector(chunk.chunk, c);
          copyColumnSlice(vector, plan[c].kind, columns[c], start, n, plan[c].nullable, scratch);
          if (plan[c].nullable) copyValiditySlice(vector, columns[c], start, n, scratch);
        }
        appender.appendDataChunk(chunk);
        appended += n;
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return appended;
}
