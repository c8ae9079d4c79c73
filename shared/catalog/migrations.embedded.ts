/**
 * The drizzle-kit migrations, embedded as text so a compiled binary needs no folder beside
 * it. After `bun run db:generate`, add the new .sql file of each dialect to the maps below:
 * the journal decides the order, and a migration named in the journal but missing here
 * (or the reverse) is refused at load and by `migrations.embedded.test.ts`.
 */
import { createHash } from "node:crypto";
import pgJournal from "../../drizzle/pg/meta/_journal.json";
import pg0000 from "../../drizzle/pg/0000_init.sql" with { type: "text" };
import pg0001 from "../../drizzle/pg/0001_manifest_generations.sql" with { type: "text" };
import pg0002 from "../../drizzle/pg/0002_retired_files.sql" with { type: "text" };
import sqliteJournal from "../../drizzle/sqlite/meta/_journal.json";
import sqlite0000 from "../../drizzle/sqlite/0000_init.sql" with { type: "text" };
import sqlite0001 from "../../drizzle/sqlite/0001_manifest_generations.sql" with { type: "text" };
import sqlite0002 from "../../drizzle/sqlite/0002_retired_files.sql" with { type: "text" };
import { CatalogError } from "./errors.ts";

export type MigrationDialect = "sqlite" | "postgres";

/** drizzle-kit migration file name without `.sql` → its text. */
export const EMBEDDED_MIGRATION_SQL: Record<MigrationDialect, Record<string, string>> = {
  sqlite: { "0000_init": sqlite0000, "0001_manifest_generations": sqlite0001, "0002_retired_files": sqlite0002 },
  postgres: { "0000_init": pg0000, "0001_manifest_generations": pg0001, "0002_retired_files": pg0002 },
};

interface Journal {
  entries: { idx: number; tag: string }[];
}

export const EMBEDDED_JOURNALS: Record<MigrationDialect, Journal> = {
  sqlite: sqliteJournal,
  postgres: pgJournal,
};

export interface Migration {
  tag: string;
  /** sha256 of the file: recorded with the tag, to spot an edited migration. */
  hash: string;
  statements: string[];
}

/** drizzle-kit separates statements with this marker; each runs on its own. */
const STATEMENT_BREAKPOINT = "--> statement-breakpoint";

export function embeddedMigrations(dialect: MigrationDialect): Migration[] {
  const files = EMBEDDED_MIGRATION_SQL[dialect];
  const entries = [...EMBEDDED_JOURNALS[dialect].entries].sort((a, b) => a.idx - b.idx);
  const journalTags = new Set(entries.map((e) => e.tag));
  const missing = entries.filter((e) => files[e.tag] === undefined).map((e) => e.tag);
  const extra = Object.keys(files).filter((tag) => !journalTags.has(tag));
  if (missing.length > 0 || extra.length > 0) {
    throw new CatalogError(
      "migrations_out_of_sync",
      `embedded ${dialect} migrations disagree with drizzle's journal: ` +
        `not embedded [${missing.join(", ")}], not in journal [${extra.join(", ")}]`,
    );
  }
  return entries.map(({ tag }) => {
    const text = files[tag]!;
    return {
      tag,
      hash: createHash("sha256").update(text).digest("hex"),
      statements: text
        .split(STATEMENT_BREAKPOINT)
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    };
  });
}

/** The table, in every catalog database, that records which migrations were applied. */
export const MIGRATIONS_TABLE = "__signalbox_migrations";
