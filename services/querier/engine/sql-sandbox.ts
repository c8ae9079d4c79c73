/**
 * User SQL (`POST /api/v1/sql`), isolated per query in its own in-memory DuckDB instance:
 * 1. views `traces`, `logs`, `metrics` over exactly the caller's files (+ live rows);
 * 2. `allowed_paths` = those files, then `enable_external_access = false` and
 *    `lock_configuration = true` — from here on no file outside the org's own data can be
 *    read or written, and no setting can be changed back;
 * 3. only a single SELECT (incl. WITH ... SELECT) is accepted, checked twice: by the parser
 *    (`json_serialize_sql` serialises SELECT statements only — this catches PRAGMA, which
 *    DuckDB rewrites into a SELECT before preparing) and by the prepared statement's type, so
 *    ATTACH / COPY / SET / PRAGMA / INSTALL / LOAD / CREATE / INSERT never run;
 * 4. rows capped, time capped (the connection is interrupted).
 * A separate instance per query costs an instance's start-up, and makes the locked
 * configuration and the views die with the query.
 */
import { StatementType } from "@duckdb/node-api";
import type { Table } from "apache-arrow";
import { openDuckDB, quoteLiteral, type DuckDBHandle } from "../../../shared/duckdb/index.ts";
import { QueryError } from "../../../shared/query/index.ts";
import { TABLE_NAMES } from "../../../shared/tables/index.ts";
import { withDeadline } from "./deadline.ts";
import { toQueryError } from "./duckdb-errors.ts";
import { readerToDynamicTable } from "./result-to-arrow.ts";
import { NO_SOURCES, createSourceView, type TableSources } from "./source-view.ts";

export interface SandboxOptions {
  sql: string;
  sources: TableSources;
  maxRows: number;
  timeoutMs: number;
  /** DuckDB settings for the sandbox instance (threads, memory_limit). */
  duckdbConfig?: Record<string, string>;
}

export interface SandboxResult {
  table: Table;
  /** More rows existed than maxRows. */
  truncated: boolean;
}

export async function runSandboxedSql(opts: SandboxOptions): Promise<SandboxResult> {
  const handle = await openDuckDB(":memory:", { config: opts.duckdbConfig });
  try {
    await lockDown(handle, opts.sources);
    return await runUserSelect(handle, opts);
  } finally {
    handle.close();
  }
}

async function lockDown(handle: DuckDBHandle, sources: TableSources): Promise<void> {
  const { connection } = handle;
  const files: string[] = [];
  for (const table of TABLE_NAMES) {
    const src = sources[table] ?? NO_SOURCES;
    files.push(...src.files);
    await createSourceView(connection, table, table, src);
  }
  if (files.length > 0) await connection.run(`SET allowed_paths = [${files.map(quoteLiteral).join(", ")}]`);
  await connection.run("SET enable_external_access = false");
  await connection.run("SET lock_configuration = true");
}

async function runUserSelect(handle: DuckDBHandle, opts: SandboxOptions): Promise<SandboxResult> {
  const { connection } = handle;
  return withDeadline(connection, opts.timeoutMs, true, async () => {
    await assertSingleSelectSyntax(handle, opts.sql);
    const extracted = await connection.extractStatements(opts.sql).catch((err: unknown) => {
      throw toQueryError(err, { userSql: true, timedOut: false, timeoutMs: opts.timeoutMs });
    });
    if (extracted.count !== 1) {
      throw QueryError.invalid(`exactly one SQL statement is allowed, got ${extracted.count}`);
    }
    const prepared = await extracted.prepare(0);
    try {
      if (prepared.statementType !== StatementType.SELECT) {
        throw QueryError.invalid(
          `only read-only SELECT queries are allowed (got a ${StatementType[prepared.statementType]} statement)`,
        );
      }
      const reader = await prepared.streamAndReadUntil(opts.maxRows + 1);
      const truncated = reader.currentRowCount > opts.maxRows;
      return { table: readerToDynamicTable(reader, opts.maxRows), truncated };
    } finally {
      prepared.destroySync();
    }
  });
}

interface SerializedSql {
  error: boolean;
  error_type?: string;
  error_message?: string;
  statements?: unknown[];
}

/** Parser-level check; the user text is a bound parameter, never spliced. */
async function assertSingleSelectSyntax(handle: DuckDBHandle, sql: string): Promise<void> {
  const reader = await handle.connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
  const serialized = JSON.parse(String(reader.getColumns()[0]?.[0])) as SerializedSql;
  if (serialized.error) {
    if (serialized.error_type === "not implemented") {
      throw QueryError.invalid("only read-only SELECT queries are allowed");
    }
    throw QueryError.invalid(`invalid SQL: ${serialized.error_message ?? serialized.error_type ?? "parse error"}`);
  }
  const count = serialized.statements?.length ?? 0;
  if (count !== 1) throw QueryError.invalid(`exactly one SQL statement is allowed, got ${count}`);
}
