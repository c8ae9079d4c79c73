/**
 * Applies the embedded migrations to PostgreSQL under a session-level advisory lock, on a
 * dedicated single connection (the lock belongs to the session, so the migration statements
 * must run on that same connection). Concurrent starters queue on the lock; the lock dies
 * with the session if a process crashes mid-way.
 */
import postgres from "postgres";
import type { Logger } from "../log/index.ts";
import { embeddedMigrations, MIGRATIONS_TABLE } from "./migrations.embedded.ts";

const LOCK_NAME = "signalbox.catalog.migrations";

/** Returns the tags it applied (empty when the database was up to date). */
export async function migratePostgres(url: string, log: Logger): Promise<string[]> {
  const migrations = embeddedMigrations("postgres");
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 10,
    onnotice: (notice) => log.debug("catalog.pg.notice", { message: notice.message }),
  });
  try {
    await sql`SELECT pg_advisory_lock(hashtext(${LOCK_NAME}))`;
    try {
      await sql.unsafe(
        `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (tag text PRIMARY KEY, hash text NOT NULL, applied_at bigint NOT NULL)`,
      );
      const rows = await sql.unsafe<{ tag: string }[]>(`SELECT tag FROM ${MIGRATIONS_TABLE}`);
      const applied = new Set(rows.map((r) => r.tag));
      const appliedNow: string[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.tag)) continue;
        await sql.begin(async (tx) => {
          for (const statement of migration.statements) await tx.unsafe(statement);
          await tx.unsafe(`INSERT INTO ${MIGRATIONS_TABLE} (tag, hash, applied_at) VALUES ($1, $2, $3)`, [
            migration.tag,
            migration.hash,
            Date.now(),
          ]);
        });
        log.info("catalog.migration.applied", { dialect: "postgres", tag: migration.tag });
        appliedNow.push(migration.tag);
      }
      return appliedNow;
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${LOCK_NAME}))`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
