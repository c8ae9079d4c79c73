/**
 * The acceptor role: OTLP in (gRPC and HTTP), Arrow batches out to the writers that own
 * each batch's shard.
 */
import { FlightClientPool } from "../../shared/flight/index.ts";
import { VERSION, startRoleDiscovery, type RoleContext, type RunningRole } from "../../shared/lifecycle/index.ts";
import { trackLiveShare, type LiveShare } from "../../shared/limits/index.ts";
import { ReplicatedWriter } from "../../shared/writepath/index.ts";
import { startAcceptor } from "./server.ts";
import { WriterSink } from "./writer-sink.ts";

export async function startAcceptorRole(ctx: RoleContext): Promise<RunningRole> {
  const { config, log, catalog, metrics } = ctx;
  // In the monolith, batches reach the writer without gRPC, still acked after its WAL fsync.
  const pool = new FlightClientPool({ secret: config.cluster.secret, metrics, inProcess: ctx.inProcessFlight });
  // Listeners bind first (their bound addresses register); until discovery is up the sink
  // answers 503, which OTLP clients retry.
  let writer: ReplicatedWriter | undefined;
  let share: LiveShare | undefined;
  const acceptor = await startAcceptor({
    config,
    log,
    metrics,
    sink: new WriterSink(() => writer),
    ingestShare: () => share?.count() ?? 1,
  });
  const discovery = await startRoleDiscovery(ctx, {
    role: "acceptor",
    capabilities: ["ingest"],
    address: acceptor.httpAddress,
    meta: { version: VERSION, http: acceptor.httpAddress, grpc: acceptor.grpcAddress },
  });
  writer = new ReplicatedWriter({ config, resolver: discovery.resolver, pool, log });
  const degraded = () => {
    const status = discovery.resolver.status();
    return status.degraded ? { degraded: true, detail: { catalog: status.catalog, nats: status.nats } } : { degraded: false };
  };
  acceptor.reportDegradedFrom(degraded);
  share = trackLiveShare(discovery.resolver, "acceptor", (err) => log.warn("acceptor.limits.share_failed", { error: err }));
  acceptor.setReady(true);
  log.info("acceptor.started", { http: acceptor.httpAddress, grpc: acceptor.grpcAddress });

  return {
    role: "acceptor",
    addresses: { http: acceptor.httpAddress, grpc: acceptor.grpcAddress },
    readiness: () => ({ ready: acceptor.isReady(), ...degraded() }),
    async stop() {
      // Nothing dials an acceptor, so it leaves discovery at once; clients finish in-flight
      // exports (bounded by the shutdown timeout) while load balancers see /ready go false.
      acceptor.setReady(false);
      share?.stop();
      await discovery.stop();
      await acceptor.stop(config.shutdown_timeout);
      pool.closeAll();
    },
  };
}
