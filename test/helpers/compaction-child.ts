/**
 * A writer's restart and data lifecycle without the rest of the writer, as its own process
 * so a test can kill -9 it anywhere: the manifest rebuild from storage, then compaction
 * passes until one finds nothing to do. Prints `compacting` when the passes begin and
 * `done` when they end. Env: COMPACTION_DSN, COMPACTION_ROOT,
 * COMPACTION_GRACE_MS.
 */
import { join } from "node:path";
import { openCatalog } from "../../shared/catalog/index.ts";
import { openDuckDB } from "../../shared/duckdb/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { MetricsRegistry } from "../../shared/metrics/index.ts";
import { RetentionPolicy } from "../../shared/retention/index.ts";
import { LocalBlobStore } from "../../shared/storage/index.ts";
import { Compactor } from "../../services/writer/compaction/compactor.ts";
import { rebuildManifest } from "../../services/writer/manifest-rebuild.ts";

const root = process.env.COMPACTION_ROOT!;
const log = createLogger({ level: "warn" });
const catalog = await openCatalog(process.env.COMPACTION_DSN!, { log });
const store = new LocalBlobStore(root);
const duck = await openDuckDB();
await rebuildManifest({ root, store, catalog, db: duck.connection, log });
duck.close();
const compactor = await Compactor.open({
  catalog, store, log,
  scratchDir: join(root, ".scratch"),
  metrics: new MetricsRegistry(),
  retention: new RetentionPolicy(0),
  isPrimary: () => true,
  options: {
    intervalMs: 60_000, targetFileBytes: 64 * 1024 * 1024, minFiles: 2, concurrency: 1, memoryLimit: "256MB",
    deleteGraceMs: Number(process.env.COMPACTION_GRACE_MS ?? 60_000),
  },
});
// The test times its kill from here: what comes before is process start-up.
process.stdout.write("compacting\n");
for (;;) {
  const summary = await compactor.runOnce();
  if (summary.compacted === 0) break;
}
process.stdout.write("done\n");
await compactor.stop();
await catalog.close();
