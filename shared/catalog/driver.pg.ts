/** PostgreSQL (postgres.js) behind the shared repository. */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Logger } from "../log/index.ts";
import { type CatalogDb, type CatalogDriver, driveAsync } from "./catalog-driver.ts";
import { migratePostgres } from "./migrate.pg.ts";
import * as tables from "./schema.pg.ts";

export async function openPostgresDriver(url: string, log: Logger): Promise<CatalogDriver> {
  await migratePostgres(url, log);
  const client = postgres(url, {
    max: 10,
    connect_timeout: 10,
    // postgres.js backs off up to 20 s between reconnects by default; after an outage the
    // catalog should answer again within a second of PostgreSQL coming back.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
    onnotice: (notice) => log.debug("catalog.pg.notice", { message: notice.message }),
  });
  const db: CatalogDb = drizzle({ client });
  return {
    dialect: "postgres",
    db,
    tables,
    atomically: (work) => db.transaction((tx) => driveAsync(work(tx))),
    // In-flight queries get a moment to finish; a cut connection must not hold a stopping role.
    close: () => client.end({ timeout: 1 }),
  };
}
