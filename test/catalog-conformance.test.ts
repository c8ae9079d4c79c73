/** The repository conformance suite on every supported catalog: bun:sqlite (memory, file) and PostgreSQL. */
import { setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../shared/log/index.ts";
import { openCatalog } from "../shared/catalog/index.ts";
import { describeCatalogConformance } from "./helpers/catalog-conformance.ts";
import { createFreshPgDatabase } from "./helpers/catalog-pg.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const log = createLogger({ level: "warn" });

describeCatalogConformance("bun:sqlite in memory", async () => {
  const repo = await openCatalog("sqlite::memory:", { log });
  return { repo, dispose: () => repo.close() };
});

describeCatalogConformance("bun:sqlite file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-catalog-"));
  const repo = await openCatalog(`sqlite:${join(dir, "catalog.db")}`, { log });
  return {
    repo,
    async dispose() {
      await repo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeCatalogConformance("PostgreSQL", async () => {
  const database = await createFreshPgDatabase();
  const repo = await openCatalog(database.dsn, { log });
  return {
    repo,
    async dispose() {
      await repo.close();
      await database.drop();
    },
  };
});
