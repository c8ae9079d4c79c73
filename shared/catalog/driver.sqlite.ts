/**
 * bun:sqlite behind the shared repository. A file catalog may be shared by several
 * processes: busy_timeout is set before journal_mode=WAL (switching to WAL takes a lock, and
 * without a busy handler a concurrent starter dies with SQLITE_BUSY), and writes run in
 * BEGIN IMMEDIATE transactions so they queue on the write lock instead of failing on upgrade.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { Logger } from "../log/index.ts";
import { type CatalogDb, type CatalogDriver, type CatalogTables, driveSync, type Statement } from "./catalog-driver.ts";
import { migrateSqlite, withSqliteRetry } from "./migrate.sqlite.ts";
import * as tables from "./schema.sqlite.ts";

const BUSY_TIMEOUT_MS = 5000;

/** A bun:sqlite query builder run synchronously: `.all()` executes any statement. */
interface SyncStatement {
  all(): unknown;
}

export async function openSqliteDriver(target: { memory: true } | { memory: false; path: string }, log: Logger): Promise<CatalogDriver> {
  if (!target.memory) mkdirSync(dirname(target.path), { recursive: true });
  const database = new Database(target.memory ? ":memory:" : target.path, { create: true });
  try {
    database.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!target.memory) await withSqliteRetry("journal_mode", log, () => database.run("PRAGMA journal_mode = WAL"));
    // WAL + NORMAL: commits survive a process crash without an fsync each (only an OS crash
    // can lose the last ones). The manifest can be rebuilt from the Parquet footers anyway.
    if (!target.memory) database.run("PRAGMA synchronous = NORMAL");
    database.run("PRAGMA foreign_keys = ON");
    await migrateSqlite(database, log);
  } catch (error) {
    database.close();
    throw error;
  }

  const sqliteDb = drizzle({ client: database });
  // Same query-builder surface and row types as pg-core: see catalog-driver.ts.
  const db = sqliteDb as unknown as CatalogDb;
  return {
    dialect: "sqlite",
    db,
    tables: tables as unknown as CatalogTables,
    async atomically(work) {
      return sqliteDb.transaction(
        (tx) => driveSync(work(tx as unknown as CatalogDb), (statement: Statement) => (statement as unknown as SyncStatement).all()),
        { behavior: "immediate" },
      );
    },
    async close() {
      database.close();
    },
  };
}
