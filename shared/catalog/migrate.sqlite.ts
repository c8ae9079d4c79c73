/**
 * Applies the embedded migrations to a bun:sqlite database. Everything — creating the
 * bookkeeping table, reading it, running what is missing — happens in one IMMEDIATE
 * transaction, so concurrent processes on one file take turns on the write lock. Lock
 * contention that outlasts busy_timeout, and the odd "already exists" race, are retried.
 */
import type { Database } from "bun:sqlite";
import type { Logger } from "../log/index.ts";
import { CatalogError } from "./errors.ts";
import { embeddedMigrations, MIGRATIONS_TABLE } from "./migrations.embedded.ts";

const MAX_ATTEMPTS = 40;

/** Lock contention and creation races clear up on their own; anything else is a real error. */
export function isTransientSqliteError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = String((error as { code?: unknown }).code ?? "");
  return (
    code.startsWith("SQLITE_BUSY") ||
    code.startsWith("SQLITE_LOCKED") ||
    /database is locked|database table is locked|already exists/i.test(error.message)
  );
}

/** Runs `attempt` until it succeeds or fails with a non-transient error. */
export async function withSqliteRetry<T>(what: string, log: Logger, attempt: () => T): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return attempt();
    } catch (error) {
      if (!isTransientSqliteError(error) || n >= MAX_ATTEMPTS) throw error;
      // A few retries are routine when processes start together; many mean real contention.
      (n < 5 ? log.debug : log.warn)("catalog.sqlite.retry", { what, attempt: n, error });
      // Jittered back-off so the contenders do not collide again in lock step.
      await Bun.sleep(Math.min(250, 5 * 2 ** Math.min(n, 6)) * (0.5 + Math.random()));
    }
  }
}

/** Returns the tags it applied (empty when the database was up to date). */
export async function migrateSqlite(database: Database, log: Logger): Promise<string[]> {
  const migrations = embeddedMigrations("sqlite");
  const applyMissing = database.transaction(() => {
    database.run(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (tag TEXT PRIMARY KEY NOT NULL, hash TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    );
    const rows = database.query<{ tag: string }, []>(`SELECT tag FROM ${MIGRATIONS_TABLE}`).all();
    const applied = new Set(rows.map((r) => r.tag));
    const appliedNow: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.tag)) continue;
      for (const statement of migration.statements) database.run(statement);
      database.run(`INSERT INTO ${MIGRATIONS_TABLE} (tag, hash, applied_at) VALUES (?, ?, ?)`, [
        migration.tag,
        migration.hash,
        Date.now(),
      ]);
      appliedNow.push(migration.tag);
    }
    return appliedNow;
  });
  try {
    const appliedNow = await withSqliteRetry("migrate", log, () => applyMissing.immediate());
    for (const tag of appliedNow) log.info("catalog.migration.applied", { dialect: "sqlite", tag });
    return appliedNow;
  } catch (error) {
    throw new CatalogError("open_failed", `applying SQLite catalog migrations failed: ${String(error)}`, { cause: error });
  }
}
