/**
 * Child process: open the catalog at argv[2] (fresh, shared with sibling processes started
 * at the same moment), register instance argv[3], race the siblings for the first shard map.
 * Prints {"id", "won", "ms"}.
 */
import { openCatalog } from "../../shared/catalog/index.ts";
import { childLog, runChild, waitForStartSignal } from "./catalog-child.ts";
import { instance } from "./catalog-fixtures.ts";

const [dsn, id] = process.argv.slice(2);
if (!dsn || !id) throw new Error("usage: catalog-open-and-register.ts DSN INSTANCE_ID");

await waitForStartSignal(dsn);
await runChild(async () => {
  const started = performance.now();
  const repo = await openCatalog(dsn, { log: childLog() });
  try {
    await repo.register(instance(id, { lastSeen: Date.now() }));
    const won = await repo.compareAndSetShardMap(0, [{ shardId: 0, replicas: [id] }]);
    return { id, won, ms: Math.round(performance.now() - started) };
  } finally {
    await repo.close();
  }
});
