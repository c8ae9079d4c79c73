/**
 * Arrow record batches → a DuckDB table, fast: the batches are cut into DuckDB data chunks
 * (2,048 rows) that are filled column by column (see column-copy.ts) and handed to an
 * appender. Used by the writer (Parquet flush) and the querier (writers' live rows).
 */
import duckdb from "@duckdb/node-bindings";
import { DuckDBDataChunk, type DuckDBConnection } from "@duckdb/node-api";
import type { Data, RecordBatch, Schema } from "apache-arrow";
import { copyColumnSlice, copyValiditySlice, NullInNotNullColumnError, Scratch } from "./column-copy.ts";
import { SchemaMismatchError } from "./errors.ts";
import { createTableSql, duckdbTypeOf, kindOf, type SupportedKind } from "./types.ts";

export interface AppendArrowOptions {
  /** Create the table as TEMP (connection-local, never written to the database file). Default true. */
  temp?: boolean;
  /** "create" (default): CREATE TABLE, failing if it exists; "existing": append to a table made earlier. */
  mode?: "create" | "existing";
}

export { SchemaMismatchError };

interface ColumnPlan {
  name: string;
  kind: SupportedKind;
  nullable: boolean;
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
      const columns = plan.map((col) => columnData(batch, col));
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

function columnData(batch: RecordBatch, col: ColumnPlan): Data {
  const vector = batch.getChild(col.name);
  if (!vector) throw new SchemaMismatchError(`record batch has no column ${col.name}`);
  if (vector.data.length !== 1) {
    throw new SchemaMismatchError(`column ${col.name} has ${vector.data.length} chunks in one record batch`);
  }
  const data = vector.data[0];
  const expected = kindOf(batch.schema.fields.find((f) => f.name === col.name)!);
  if (expected !== col.kind) throw new SchemaMismatchError(`column ${col.name}: batch type ${expected}, table ${col.kind}`);
  if (!col.nullable && data.nullCount > 0) throw new NullInNotNullColumnError(col.name);
  return data;
}
