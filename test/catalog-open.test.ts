/** openCatalog: DSN handling, SQLite file settings, migrations applied once, errors typed. */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { CatalogError, openCatalog } from "../shared/catalog/index.ts";
import { createLogger } from "../shared/log/index.ts";
import { instance } from "./helpers/catalog-fixtures.ts";
import { createFreshPgDatabase } from "./helpers/catalog-pg.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";
import pgJournal from "../drizzle/pg/meta/_journal.json";
import sqliteJournal from "../drizzle/sqlite/meta/_journal.json";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

/** Every migration drizzle-kit generated, in order: what a fresh catalog must have applied. */
const journalTags = (dialect: "sqlite" | "pg"): string[] =>
  (dialect === "sqlite" ? sqliteJournal : pgJournal).entries.map((e) => e.tag);

function capturingLog() {
  const lines: { event: string; [k: string]: unknown }[] = [];
  return { lines, log: createLogger({ level: "debug", sink: (line) => lines.push(JSON.parse(line)) }) };
}

async function rejection(promise: Promise<unknown>): Promise<CatalogError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CatalogError);
  return error as CatalogError;
}

describe("openCatalog", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-catalog-open-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("an unknown scheme is refused with unsupported_dsn", async () => {
    const error = await rejection(openCatalog("mysql://root@127.0.0.1/db"));
    expect(error.code).toBe("unsupported_dsn");
    expect(error.message).toContain("sqlite:PATH");
  });

  test("an unreachable PostgreSQL is open_failed, naming the DSN without its password", async () => {
    const error = await rejection(openCatalog("postgres://u:hunter2@127.0.0.1:1/db", { log: capturingLog().log }));
    expect(error.code).toBe("open_failed");
    expect(error.message).toContain("127.0.0.1:1");
    expect(error.message).not.toContain("hunter2");
  });

  test("a SQLite file: parent folders created, WAL on, migrated once, rows survive a reopen", async () => {
    const path = join(dir, "nested/deeper/catalog.db");
    const first = capturingLog();
    const repo = await openCatalog(`sqlite:${path}`, { log: first.log });
    await repo.register(instance("a"));
    await repo.close();
    expect(first.lines.filter((l) => l.event === "catalog.migration.applied").map((l) => l.tag)).toEqual(journalTags("sqlite"));

    const second = capturingLog();
    const again = await openCatalog(`sqlite:${path}`, { log: second.log });
    expect(again.dialect).toBe("sqlite");
    expect(await again.listLive(0)).toEqual([instance("a")]);
    await again.close();
    expect(second.lines.some((l) => l.event === "catalog.migration.applied")).toBe(false);

    const raw = new Database(path, { readonly: true });
    expect(raw.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(raw.query("SELECT tag FROM __signalbox_migrations ORDER BY tag").all()).toEqual(journalTags("sqlite").map((tag) => ({ tag })));
    raw.close();
  });

  test("PostgreSQL: migrated once, JSON columns stored as real jsonb", async () => {
    const database = await createFreshPgDatabase();
    try {
      const repo = await openCatalog(database.dsn, { log: capturingLog().log });
      expect(repo.dialect).toBe("postgres");
      await repo.register(instance("a", { meta: { pid: 7 } }));
      await repo.close();
      const second = capturingLog();
      await (await openCatalog(database.dsn, { log: second.log })).close();
      expect(second.lines.some((l) => l.event === "catalog.migration.applied")).toBe(false);

      const sql = postgres(database.dsn, { max: 1 });
      try {
        expect(await sql`SELECT tag FROM __signalbox_migrations ORDER BY tag`).toEqual(journalTags("pg").map((tag) => ({ tag })) as never);
        const [row] = await sql`SELECT jsonb_typeof(meta) AS meta, jsonb_typeof(capabilities) AS caps, meta->>'pid' AS pid FROM service_instances`;
        expect(row).toEqual({ meta: "object", caps: "array", pid: "7" });
      } finally {
        await sql.end({ timeout: 5 });
      }
    } finally {
      await database.drop();
    }
  });
});
