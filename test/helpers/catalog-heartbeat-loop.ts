/**
 * Child process: open the catalog at argv[2], register instance argv[3], then heartbeat it
 * argv[4] times as fast as possible. Prints {"id", "heartbeats", "ms"}.
 */
import { openCatalog } from "../../shared/catalog/index.ts";
import { childLog, runChild, waitForStartSignal } from "./catalog-child.ts";
import { instance } from "./catalog-fixtures.ts";

const [dsn, id, countText] = process.argv.slice(2);
const count = Number(countText);
if (!dsn || !id || !Number.isInteger(count)) throw new Error("usage: catalog-heartbeat-loop.ts DSN INSTANCE_ID COUNT");

await waitForStartSignal(dsn);
await runChild(async () => {
  const repo = await openCatalog(dsn, { log: childLog() });
  try {
    await repo.register(instance(id, { lastSeen: Date.now() }));
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      if (!(await repo.heartbeat(id, Date.now()))) throw new Error(`heartbeat ${i} found no row for ${id}`);
    }
    return { id, heartbeats: count, ms: Math.round(performance.now() - started) };
  } finally {
    await repo.close();
  }
});
