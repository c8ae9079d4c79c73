/**
 * The writer role: WAL → live buffer → Parquet. Start order matters: the manifest is
 * rebuilt and the WAL replayed before the Flight port opens and the instance registers,
 * so no write or query reaches a writer that is still recovering; then it registers and
 * joins the shard map (shard-ownership.ts), and only then says `writer.started`.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { openDuckDB } from "../../shared/duckdb/index.ts";
import { FlightClientPool, startFlightServer } from "../../shared/flight/index.ts";
import { startOpsServer, startRoleDiscovery, VERSION, type Readiness, type RoleContext, type RunningRole } from "../../shared/lifecycle/index.ts";
import type { Resolver } from "../../shared/discovery/index.ts";
import { writersByName } from "../../shared/sharding/index.ts";
import { openBlobStore } from "../../shared/storage/index.ts";
import { RetentionPolicy } from "../../shared/retention/index.ts";
import { Compactor } from "./compaction/compactor.ts";
import { Flusher } from "./flusher.ts";
import { writerHandlers } from "./flight-service.ts";
import { LiveBuffer } from "./live-buffer.ts";
import { rebuildManifest } from "./manifest-rebuild.ts";
import { replayWal } from "./wal-replay.ts";
import { Quarantine } from "./quarantine.ts";
import { ReplicaSync } from "./replica-sync.ts";
import { ShardOwnership } from "./shard-ownership.ts";
import { WriteAheadLog } from "./wal/index.ts";

export async function startWriter(ctx: RoleContext): Promise<RunningRole> {
  const { config, log, catalog, metrics } = ctx;
  const root = resolve(config.storage.path);
  const scratchDir = join(root, ".scratch");
  mkdirSync(scratchDir, { recursive: true });
  // storage.url: local files (default) or S3; WAL and scratch stay under storage.path either way.
  const store = openBlobStore(config, log);
  // The flush's sort and compression are DuckDB's; bound them so the writer's memory stays
  // predictable (DuckDB spills to storage.path beyond the limit). Every flush buffers its row
  // groups in DuckDB blocks: blocks freed back to the kernel come back as page faults on the
  // next flush, so DuckDB's block allocator keeps up to writer.flush_retained_memory of them.
  const duck = await openDuckDB(":memory:", {
    config: {
      threads: String(config.writer.flush_threads),
      memory_limit: config.writer.flush_memory_limit,
      block_allocator_memory: config.writer.flush_retained_memory,
      temp_directory: join(root, ".scratch", "duckdb"),
    },
  });
  let ready = false;

  await rebuildManifest({ root, store, catalog, db: duck.connection, log });
  const fsyncSeconds = metrics.histogram("signalbox_writer_wal_fsync_seconds", "one WAL fsync (a group commit of one or more records)");
  const wal = await WriteAheadLog.open(join(root, "wal", config.writer.name), {
    log,
    onSync: (info) => fsyncSeconds.observe(info.durationMs / 1000),
  });
  const buffer = new LiveBuffer();
  const quarantine = await Quarantine.open(join(root, "quarantine", config.writer.name), log, metrics);
  await replayWal({ wal, buffer, catalog, quarantine, log });
  metrics.gauge("signalbox_writer_live_rows", "rows acknowledged but not yet in Parquet", [], () => [[undefined, buffer.rows]]);

  // Map upkeep and replica sync run at the pace of discovery: they react to what it sees.
  const syncMs = Math.max(100, Math.min(1_000, config.discovery.heartbeat_interval));
  const ownership = new ShardOwnership({ config, catalog, log, metrics, name: config.writer.name, pollMs: syncMs });
  const pool = new FlightClientPool({ secret: config.cluster.secret, metrics });
  let resolver: Resolver | undefined;
  const sync = new ReplicaSync({
    buffer, wal, catalog, ownership, pool, log, metrics,
    writers: async () => writersByName(resolver ? await resolver.live({ role: "writer" }) : []),
    suspect: (writer) => resolver?.markSuspect(writer.id),
    intervalMs: syncMs,
    stuckAfterMs: 2 * config.writer.flush_interval + 2_000,
    copyTimeoutMs: Math.max(1_000, config.write.timeout),
  });
  const flusher = new Flusher({
    buffer, wal, store, catalog, db: duck.connection, scratchDir, log, metrics,
    intervalMs: config.writer.flush_interval,
    maxBufferRows: config.writer.max_buffer_rows,
    maxBufferBytes: config.writer.max_buffer_bytes,
    isPrimary: (shardId) => ownership.isPrimary(shardId),
    quarantine,
  });

  const compactor = await Compactor.open({
    catalog, store, scratchDir, log, metrics,
    retention: RetentionPolicy.fromConfig(config),
    isPrimary: (shardId) => ownership.isPrimary(shardId),
    options: {
      intervalMs: config.compaction.interval,
      targetFileBytes: config.compaction.target_file_bytes,
      minFiles: config.compaction.min_files,
      concurrency: config.compaction.concurrency,
      memoryLimit: config.compaction.memory_limit,
      retainedMemory: config.compaction.retained_memory,
      zstdLevel: config.compaction.zstd_level,
      deleteGraceMs: config.compaction.delete_grace,
    },
  });

  const flight = await startFlightServer({
    host: config.server.host,
    port: config.writer.flight_port,
    secret: config.cluster.secret,
    log,
    metrics,
    handlers: writerHandlers({ buffer, wal, flusher, quarantine, log, metrics, ownership, sync }),
    // The monolith's acceptor and router DoPut here in-process (docs/architecture.md §3).
    inProcess: ctx.inProcessFlight,
  });
  // Degraded: serving, but writes are refused (the WAL cannot append) or the registry view is stale.
  const readiness = (): Readiness => {
    const walHealth = wal.health();
    const discoveryStatus = resolver?.status();
    const degraded = !walHealth.appending || discoveryStatus?.degraded === true;
    return {
      ready,
      degraded,
      detail: {
        live_rows: buffer.rows,
        ...(walHealth.appending ? {} : { wal: `cannot append since ${new Date(walHealth.since!).toISOString()}: ${walHealth.reason}` }),
        ...(discoveryStatus?.degraded ? { catalog: discoveryStatus.catalog, nats: discoveryStatus.nats } : {}),
      },
    };
  };
  const ops = startOpsServer({
    host: config.server.host,
    port: config.writer.http_port,
    log,
    metrics,
    readiness,
  });
  flusher.start();
  const discovery = await startRoleDiscovery(ctx, {
    role: "writer",
    capabilities: ["storage", "live-query"],
    address: flight.address,
    meta: { version: VERSION, name: config.writer.name, flight: flight.address, http: ops.address },
  });
  resolver = discovery.resolver;
  await ownership.start(discovery.resolver);
  sync.start();
  // After the shard map is known: a writer compacts only the shards it is primary of.
  compactor.start();
  ready = true;
  const own = ownership.current?.countsByWriter()[config.writer.name];
  log.info("writer.started", {
    flight: flight.address,
    http: ops.address,
    name: config.writer.name,
    live_rows: buffer.rows,
    epoch: ownership.epoch,
    primary_shards: own?.primary ?? 0,
    replica_shards: own?.replica ?? 0,
  });

  return {
    role: "writer",
    addresses: { flight: flight.address, http: ops.address },
    readiness,
    async stop() {
      ready = false;
      ownership.stop();
      await sync.stop();
      await discovery.stop();
      // After leaving discovery; a merge under way is interrupted (its output is only an orphan).
      await compactor.stop();
      await flight.close(config.shutdown_timeout);
      await flusher.stop();
      pool.closeAll();
      await wal.close();
      await ops.stop();
      duck.close();
    },
  };
}
