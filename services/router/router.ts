/**
 * The router role: the HTTP query API (Hono) in front of the queriers, and a Flight DoPut
 * for Arrow clients in front of the writers. It holds no data; everything it knows about
 * the cluster comes from discovery.
 */
import { FlightClientPool, startFlightServer } from "../../shared/flight/index.ts";
import { VERSION, startRoleDiscovery, type RoleContext, type RunningRole } from "../../shared/lifecycle/index.ts";
import { IngestLimits, LimitHits, TenantLimitsTable, trackLiveShare, type LiveShare } from "../../shared/limits/index.ts";
import { ReplicatedWriter } from "../../shared/writepath/index.ts";
import { FlightQueryBackend } from "./flight-backend.ts";
import { routerIngestHandlers } from "./flight-ingest.ts";
import { createRouterApp, websocket } from "./http/index.ts";
import { startTempoStreaming } from "./tempo-streaming/server.ts";

export async function startRouter(ctx: RoleContext): Promise<RunningRole> {
  const { config, log, catalog, metrics } = ctx;
  // In the monolith, Arrow ingest reaches the writer without gRPC (only DoPut does).
  const pool = new FlightClientPool({ secret: config.cluster.secret, metrics, inProcess: ctx.inProcessFlight });
  // The listeners bind first because their bound addresses are what registers; until
  // discovery is up (a moment later) they answer 503 / UNAVAILABLE.
  let app: { fetch(request: Request, server?: Bun.Server<unknown>): Response | Promise<Response> } | undefined;
  const http = Bun.serve({
    hostname: config.server.host,
    port: config.router.http_port,
    idleTimeout: 120,
    // The server reaches the app as its environment: Loki's live tail upgrades to a WebSocket through it.
    fetch: (request, server) => app?.fetch(request, server) ?? Response.json({ error: "router is starting", status: 503 }, { status: 503 }),
    websocket,
  });
  const httpAddress = `${config.server.host}:${http.port}`;
  // Plain HTTP on the streaming port is relayed to the listener above, over loopback when it binds every interface.
  const relayHost = config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
  const streaming = await startTempoStreaming({
    host: config.server.host,
    port: config.router.grpc_port,
    http: { host: relayHost, port: http.port! },
    // In-process calls never upgrade to a WebSocket: the app needs no server for them.
    fetchLocal: () => (app ? (request: Request) => app!.fetch(request) : undefined),
    log,
  });
  let writer: ReplicatedWriter | undefined;
  let share: LiveShare | undefined;
  const ingestLimits = new IngestLimits({
    table: new TenantLimitsTable(config.limits),
    hits: new LimitHits(metrics),
    metrics: { registry: metrics, shareGauge: "signalbox_router_ingest_share" },
    share: () => share?.count() ?? 1,
  });
  const flight = await startFlightServer({
    host: config.server.host,
    port: config.router.flight_port,
    secret: config.cluster.secret,
    log,
    metrics,
    handlers: routerIngestHandlers({ writer: () => writer, writeTimeoutMs: config.write.timeout, limits: ingestLimits }),
  });
  const discovery = await startRoleDiscovery(ctx, {
    role: "router",
    capabilities: ["routing"],
    address: httpAddress,
    meta: { version: VERSION, http: httpAddress, flight: flight.address, grpc: streaming.address },
  });
  const { resolver } = discovery;
  const backend = new FlightQueryBackend({ resolver, pool, catalog, log, metrics });
  writer = new ReplicatedWriter({ config, resolver, pool, log });
  // Arrow clients' DoPut has its own per-org bucket; routers share it as acceptors share OTLP's.
  share = trackLiveShare(resolver, "router", (err) => log.warn("router.limits.share_failed", { error: err }));
  app = createRouterApp({ backend, config, log, metrics });
  log.info("router.started", { http: httpAddress, grpc: streaming.address, flight: flight.address });

  return {
    role: "router",
    addresses: { http: httpAddress, grpc: streaming.address, flight: flight.address },
    readiness: () => backend.ready(),
    async stop() {
      backend.markStopping();
      share?.stop();
      await discovery.stop();
      await streaming.close(config.shutdown_timeout);
      await http.stop(false);
      await flight.close(config.shutdown_timeout);
      pool.closeAll();
    },
  };
}
