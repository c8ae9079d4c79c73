/**
 * The writer role: WAL → live buffer → Parquet. Start order matters: the manifest is
 * rebuilt and the WAL replayed before the Flight port opens and the instance registers,
 * so no write or query reaches a writer that is still recovering.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { startDiscovery } from "../../shared/discovery/index.ts";
import { openDuckDB } from "../../shared/duckdb/index.ts";
import { startFlightServer } from "../../shared/flight/index.ts";
import { startOpsServer, VERSION, type RoleContext, type RunningRole } from "../../shared/lifecycle/index.ts";
import { LocalBlobStore } from "../../shared/storage/index.ts";
import { Flusher } from "./flusher.ts";
import { writerHandlers } from "./flight-service.ts";
import { LiveBuffer } from "./live-buffer.ts";
import { rebuildManifest } from "./manifest-rebuild.ts";
import { replayWal } from "./recovery.ts";
import { WriteAheadLog } from "./wal/index.ts";

export async function startWriter(ctx: RoleContext): Promise<RunningRole> {
  const { config, log, catalog, metrics } = ctx;
  const root = resolve(config.storage.path);
  const scratchDir = join(root, ".scratch");
  mkdirSync(scratchDir, { recursive: true });
  const store = new LocalBlobStore(root);
  const duck = await openDuckDB();
  let ready = false;

  await rebuildManifest({ root, store, catalog, db: duck.connection, log });
  const wal = await WriteAheadLog.open(join(root, "wal", config.writer.name), { log });
  const buffer = new LiveBuffer();
  await replayWal({ wal, buffer, catalog, log });
  metrics.gauge("signalbox_writer_live_rows", "rows acknowledged but not yet in Parquet", () => [[undefined, buffer.rows]]);

  const flusher = new Flusher({
    buffer, wal, store, catalog, db: duck.connection, scratchDir, log, metrics,
    intervalMs: config.writer.flush_interval,
    maxBufferRows: config.writer.max_buffer_rows,
  });

  const flight = await startFlightServer({
    host: config.server.host,
    port: config.writer.flight_port,
    secret: config.cluster.secret,
    log,
    handlers: writerHandlers({ buffer, wal, flusher, log, metrics, recentlyPersisted: (id) => buffer.wasFlushed(id) }),
  });
  const ops = startOpsServer({
    host: config.server.host,
    port: config.writer.http_port,
    log,
    metrics,
    readiness: () => ({ ready, detail: { live_rows: buffer.rows } }),
  });
  flusher.start();
  const discovery = await startDiscovery({
    config, log, catalog,
    role: "writer",
    capabilities: ["storage", "live-query"],
    address: flight.address,
    meta: { version: VERSION, name: config.writer.name, flight: flight.address, http: ops.address },
  });
  ready = true;
  log.info("writer.started", { flight: flight.address, http: ops.address, live_rows: buffer.rows });

  return {
    role: "writer",
    addresses: { flight: flight.address, http: ops.address },
    readiness: () => ({ ready, detail: { live_rows: buffer.rows } }),
    async stop() {
      ready = false;
      await discovery.stop();
      await flight.close(config.shutdown_timeout);
      await flusher.stop();
      await wal.close();
      await ops.stop();
      duck.close();
    },
  };
}
