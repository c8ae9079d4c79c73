/** PostgreSQL (postgres.js) behind the shared repository. */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Logger } from "../log/index.ts";
import { type CatalogDb, type CatalogDriver, driveAsync } from "./catalog-driver.ts";
import { migratePostgres } from "./migrate.pg.ts";
import * as tables from "./schema.pg.ts";

export interface PostgresDriver extends CatalogDriver {
  /**
   * Ends every connection now (in-flight calls fail) and opens fresh ones on demand: the
   * way out of connections stuck on a link that dropped their bytes.
   */
  recycle(): void;
}

export interface PostgresDriverOptions {
  /** Server-side `statement_timeout` (and idle-in-transaction timeout) of every connection. */
  statementTimeoutMs: number;
}

/** Idle connections are closed after this long (seconds): fewer sockets to go stale. */
const IDLE_TIMEOUT_S = 30;

export async function openPostgresDriver(url: string, log: Logger, options: PostgresDriverOptions): Promise<PostgresDriver> {
  await migratePostgres(url, log);
  const connect = () =>
    postgres(url, {
      max: 10,
      connect_timeout: 10,
      idle_timeout: IDLE_TIMEOUT_S,
      // postgres.js backs off up to 20 s between reconnects by default; after an outage the
      // catalog should answer again within a second of PostgreSQL coming back.
      backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
      // A statement the server takes too long on fails there, and frees the connection.
      connection: {
        statement_timeout: options.statementTimeoutMs,
        idle_in_transaction_session_timeout: options.statementTimeoutMs,
      },
      onnotice: (notice) => log.debug("catalog.pg.notice", { message: notice.message }),
    });
  let client = connect();
  let db: CatalogDb = drizzle({ client });
  let recycledAt = 0;
  return {
    dialect: "postgres",
    get db() {
      return db;
    },
    tables,
    atomically: (work) => db.transaction((tx) => driveAsync(work(tx))),
    recycle() {
      // Several calls stuck on the same connections time out together: one recycle serves them.
      if (Date.now() - recycledAt < 1_000) return;
      recycledAt = Date.now();
      const stuck = client;
      client = connect();
      db = drizzle({ client });
      log.warn("catalog.pg.recycled", {});
      void stuck.end({ timeout: 0 }).catch(() => undefined);
    },
    // In-flight queries get a moment to finish; a cut connection must not hold a stopping role.
    close: () => client.end({ timeout: 1 }),
  };
}
