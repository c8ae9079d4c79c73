/**
 * The querier role: Flight DoGet with a query ticket → gather Parquet files and live rows
 * for the org in scope → DuckDB → Arrow back to the router.
 */
import { CatalogError } from "../../shared/catalog/index.ts";
import type { Resolver } from "../../shared/discovery/index.ts";
import { FlightClientPool, FlightError, startFlightServer } from "../../shared/flight/index.ts";
import { startRoleDiscovery, startOpsServer, VERSION, type RoleContext, type RunningRole } from "../../shared/lifecycle/index.ts";
import { LimitHits, TenantLimitsTable } from "../../shared/limits/index.ts";
import { parseTicket, QueryError } from "../../shared/query/index.ts";
import { RetentionPolicy } from "../../shared/retention/index.ts";
import { forgetFileFacts, QueryEngine } from "./engine/index.ts";
import { queryLimits } from "./query-limits.ts";
import { openParquetFileSource } from "./file-cache-source.ts";
import { runGatheredQuery } from "./gathered-query.ts";
import { LiveBatchCache } from "./live-cache.ts";
import { ManifestCache } from "./manifest-cache.ts";
import { runTraceById } from "./run-trace-by-id.ts";

/** The SQL sandbox process's entry (the binary started again by sandbox-processes.ts). */
export { runSandboxChild } from "./engine/sandbox-child.ts";

/** A catalog outage is UNAVAILABLE (503, retry later) with the catalog's reason, never its SQL. */
function asFlightError(err: unknown): FlightError {
  if (err instanceof QueryError) return new FlightError(err.code, err.message);
  if (err instanceof CatalogError && err.code === "unavailable") return new FlightError("UNAVAILABLE", err.message);
  return FlightError.from(err);
}

export async function startQuerier(ctx: RoleContext): Promise<RunningRole> {
  const { config, log, catalog, metrics } = ctx;
  // storage.url: local Parquet files are read in place; S3 objects through the local file cache.
  const files = await openParquetFileSource({ config, log, metrics });
  const engine = await QueryEngine.open({
    log,
    maxRows: config.query.max_result_rows,
    timeoutMs: config.query.timeout,
    maxSamples: config.query.max_samples,
    ...queryLimits(config),
  });
  const pool = new FlightClientPool({ secret: config.cluster.secret, metrics });
  const liveCache = new LiveBatchCache();
  // Queries that listed a file before it was compacted away keep their pinned copy; later ones never ask for it.
  const manifest = new ManifestCache(catalog, undefined, (paths) => {
    void files.forget(paths).catch((err) => log.warn("cache.forget_failed", { err }));
    // Facts read from those files (footers, log contexts, metric families) go once every query
    // that may have listed them has ended: else they stay until their caches' bounds.
    setTimeout(() => forgetFileFacts(files.localPaths(paths)), config.query.timeout).unref();
  });
  const retention = RetentionPolicy.fromConfig(config);
  const scanLimits = { table: new TenantLimitsTable(config.limits), hits: new LimitHits(metrics) };
  // Idle scopes go even when no query comes to drop them.
  const sweeper = setInterval(() => liveCache.sweep(), 30_000);
  sweeper.unref();
  metrics.gauge("signalbox_querier_live_cache_bytes", "live batches kept from the writers between queries", [], () => [[undefined, liveCache.bytes]]);
  const queryLatency = metrics.histogram("signalbox_querier_query_seconds", "query execution time by kind", ["kind"]);
  const queryErrors = metrics.counter("signalbox_querier_query_errors_total", "failed queries by kind and code", ["kind", "code"]);
  // Discovery starts after the Flight port is bound (its address is what registers), but
  // queries need the resolver: hold it here once discovery is up.
  let resolver: Resolver | undefined;
  let ready = false;

  const flight = await startFlightServer({
    host: config.server.host,
    port: config.querier.flight_port,
    secret: config.cluster.secret,
    log,
    metrics,
    handlers: {
      async doGet(raw, callCtx) {
        const started = performance.now();
        let kind = "unknown";
        try {
          const ticket = parseTicket(raw);
          kind = ticket.kind;
          if (!resolver) throw new FlightError("UNAVAILABLE", "querier is starting");
          const deadline = callCtx.deadline ?? Date.now() + config.query.timeout;
          const deps = { files, manifest, resolver, pool, log, liveCache, scanLimits, retention };
          const result =
            ticket.kind === "trace_by_id"
              ? await runTraceById(deps, engine, ticket, deadline)
              : await runGatheredQuery(deps, engine, ticket, deadline);
          queryLatency.since(started, { kind });
          return result;
        } catch (err) {
          const error = asFlightError(err);
          queryErrors.inc({ kind, code: error.codeName });
          if (error.codeName === "INTERNAL") log.error("query.failed", { kind, err });
          throw error;
        }
      },
    },
  });
  const ops = startOpsServer({
    host: config.server.host,
    port: config.querier.http_port,
    log,
    metrics,
    readiness: () => ({ ready, degraded: resolver?.status().degraded }),
  });
  const discovery = await startRoleDiscovery(ctx, {
    role: "querier",
    capabilities: ["query"],
    address: flight.address,
    meta: { version: VERSION, flight: flight.address, http: ops.address },
  });
  resolver = discovery.resolver;
  ready = true;
  log.info("querier.started", { flight: flight.address, http: ops.address });

  return {
    role: "querier",
    addresses: { flight: flight.address, http: ops.address },
    readiness: () => ({ ready, degraded: discovery.resolver.status().degraded }),
    async stop() {
      ready = false;
      clearInterval(sweeper);
      await discovery.stop();
      await flight.close(config.shutdown_timeout);
      pool.closeAll();
      await engine.close();
      await files.close();
      await ops.stop();
    },
  };
}
