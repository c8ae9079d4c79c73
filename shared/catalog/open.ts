/** Opens the catalog a DSN names, with its migrations applied. */
import { createLogger, type Logger } from "../log/index.ts";
import { withCallDeadline } from "./call-deadline.ts";
import { DrizzleCatalogRepository } from "./drizzle-repository.ts";
import { parseCatalogDsn, redactDsn } from "./dsn.ts";
import { CatalogError } from "./errors.ts";
import type { CatalogRepository } from "./repository.ts";

export interface OpenCatalogOptions {
  log?: Logger;
  /**
   * PostgreSQL: deadline of every catalog call (past it the call fails "unavailable" and the
   * connections are recycled) and the server-side statement timeout. Default 10 s.
   */
  callTimeoutMs?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/**
 * `sqlite::memory:`, `sqlite:PATH`, `postgres://...` / `postgresql://...`. Safe to call from
 * several processes at once on the same fresh database. Throws CatalogError
 * ("unsupported_dsn" | "open_failed").
 */
export async function openCatalog(dsn: string, opts: OpenCatalogOptions = {}): Promise<CatalogRepository> {
  const target = parseCatalogDsn(dsn);
  const log = (opts.log ?? createLogger()).child({ component: "catalog" });
  const where = redactDsn(dsn);
  try {
    // Load only the dialect in use: a SQLite deployment never pays for postgres.js, nor the reverse.
    if (target.kind === "postgres") {
      const timeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
      const driver = await (await import("./driver.pg.ts")).openPostgresDriver(target.url, log, { statementTimeoutMs: timeoutMs });
      log.debug("catalog.opened", { dialect: driver.dialect, dsn: where });
      return withCallDeadline(new DrizzleCatalogRepository(driver), { timeoutMs, log, onStuck: () => driver.recycle() });
    }
    // bun:sqlite calls are synchronous and local: nothing to wait on, nothing to recycle.
    const driver = await (await import("./driver.sqlite.ts")).openSqliteDriver(target, log);
    log.debug("catalog.opened", { dialect: driver.dialect, dsn: where });
    return new DrizzleCatalogRepository(driver);
  } catch (error) {
    if (error instanceof CatalogError) throw error;
    throw new CatalogError("open_failed", `cannot open catalog ${where}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
