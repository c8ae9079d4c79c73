/** The embedded migration list must be exactly what drizzle-kit generated into drizzle/<dialect>/. */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EMBEDDED_JOURNALS, EMBEDDED_MIGRATION_SQL, embeddedMigrations, type MigrationDialect } from "./migrations.embedded.ts";

const FOLDERS: Record<MigrationDialect, string> = {
  sqlite: join(import.meta.dir, "../../drizzle/sqlite"),
  postgres: join(import.meta.dir, "../../drizzle/pg"),
};

describe.each(["sqlite", "postgres"] as const)("embedded %s migrations", (dialect) => {
  const folder = FOLDERS[dialect];

  test("embed every .sql file of the folder, byte for byte, and nothing else", () => {
    const onDisk = readdirSync(folder)
      .filter((f) => f.endsWith(".sql"))
      .map((f) => f.slice(0, -".sql".length))
      .sort();
    expect(Object.keys(EMBEDDED_MIGRATION_SQL[dialect]).sort()).toEqual(onDisk);
    for (const tag of onDisk) {
      expect(EMBEDDED_MIGRATION_SQL[dialect][tag]).toBe(readFileSync(join(folder, `${tag}.sql`), "utf8"));
    }
  });

  test("follow the journal on disk, in its order", () => {
    const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8"));
    expect(EMBEDDED_JOURNALS[dialect]).toEqual(journal);
    const tags = journal.entries.map((e: { tag: string }) => e.tag);
    expect(embeddedMigrations(dialect).map((m) => m.tag)).toEqual(tags);
  });

  test("split into statements at drizzle's breakpoints", () => {
    for (const migration of embeddedMigrations(dialect)) {
      expect(migration.statements.length).toBeGreaterThan(0);
      expect(migration.statements.some((s) => s.includes("statement-breakpoint"))).toBe(false);
      expect(migration.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
