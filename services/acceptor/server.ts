/**
 * Starts the acceptor's two OTLP listeners (gRPC and HTTP) over one ingest pipeline.
 * Registration in discovery and signal handling belong to the entrypoint; this module
 * only listens, reports readiness and stops gracefully.
 */
import * as grpc from "@grpc/grpc-js";
import type { Config } from "../../shared/config/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { IngestLimits, LimitHits, TenantLimitsTable } from "../../shared/limits/index.ts";
import { createTenantResolver } from "../../shared/tenancy/index.ts";
import { settlesWithin } from "../../shared/timeout/index.ts";
import { compressedLimit } from "./body.ts";
import { createOtlpGrpcServer } from "./grpc.ts";
import { createOtlpHttpHandler } from "./http.ts";
import { createIngestPipeline } from "./ingest.ts";
import type { BatchSink } from "./sink.ts";
import { AcceptorStats, type AcceptorStatsSnapshot } from "./stats.ts";

export interface AcceptorOptions {
  config: Config;
  log: Logger;
  sink: BatchSink;
  /** When given, ingest counters are also exported as Prometheus metrics. */
  metrics?: MetricsRegistry;
  /** Live acceptors sharing each org's ingest rate (limits.ingest_rate_strategy = global); 1 when omitted. */
  ingestShare?: () => number;
}

export interface Acceptor {
  /** Bound `host:port` of OTLP/gRPC (port 0 in the config resolves here). */
  readonly grpcAddress: string;
  /** Bound `host:port` of OTLP/HTTP. */
  readonly httpAddress: string;
  /** `/ready` answers 503 until this is set (e.g. once writers are discoverable). */
  setReady(ready: boolean): void;
  isReady(): boolean;
  stats(): AcceptorStatsSnapshot;
  /** Stops accepting, lets in-flight exports finish for up to `graceMs`, then cuts the rest. */
  stop(graceMs: number): Promise<void>;
}

export async function startAcceptor(options: AcceptorOptions): Promise<Acceptor> {
  const { config, sink } = options;
  const log = options.log;
  const host = config.server.host;
  const maxBodyBytes = config.acceptor.max_body_bytes;
  const writeTimeoutMs = config.write.timeout;

  let ready = false;
  const stats = new AcceptorStats(options.metrics);
  const limits = new IngestLimits({
    table: new TenantLimitsTable(config.limits),
    hits: new LimitHits(options.metrics),
    metrics: options.metrics && { registry: options.metrics, shareGauge: "signalbox_acceptor_ingest_share" },
    share: options.ingestShare ?? (() => 1),
  });
  const pipeline = createIngestPipeline({
    sink,
    stats,
    log,
    limits,
    resolveTenant: createTenantResolver(config.auth.tokens),
    maxTimeAgeMs: config.acceptor.max_time_age,
    maxTimeAheadMs: config.acceptor.max_time_ahead,
  });

  const grpcServer = createOtlpGrpcServer({ pipeline, maxBodyBytes, writeTimeoutMs });
  const grpcPort = await bindGrpc(grpcServer, host, config.acceptor.grpc_port);

  const handle = createOtlpHttpHandler({ pipeline, maxBodyBytes, writeTimeoutMs, isReady: () => ready, metrics: options.metrics });
  let httpServer: ReturnType<typeof Bun.serve>;
  try {
    httpServer = Bun.serve({
      hostname: host,
      port: config.acceptor.http_port,
      // Our own streaming check answers 413 with an OTLP Status; Bun's cap only backs it up.
      maxRequestBodySize: compressedLimit(maxBodyBytes) + 1024 * 1024,
      // A request may wait up to write.timeout for the quorum; do not let Bun cut it first.
      idleTimeout: Math.min(255, Math.ceil(writeTimeoutMs / 1000) + 5),
      fetch: handle,
      error(err) {
        log.error("acceptor.http.error", { error: err });
        return new Response("internal error", { status: 500 });
      },
    });
  } catch (err) {
    grpcServer.forceShutdown();
    throw err;
  }

  const grpcAddress = joinHostPort(host, grpcPort);
  const httpAddress = joinHostPort(host, httpServer.port!);
  log.info("acceptor.listening", { grpc: grpcAddress, http: httpAddress, maxBodyBytes, auth: config.auth.tokens.length > 0 });

  let stopping: Promise<void> | undefined;
  return {
    grpcAddress,
    httpAddress,
    setReady(value) {
      if (value !== ready) log.info("acceptor.ready", { ready: value });
      ready = value;
    },
    isReady: () => ready,
    stats: () => stats.snapshot(),
    stop(graceMs) {
      ready = false;
      stopping ??= Promise.all([stopHttp(httpServer, graceMs), stopGrpc(grpcServer, graceMs)]).then(() =>
        log.info("acceptor.stopped", {}),
      );
      return stopping;
    },
  };
}

function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(joinHostPort(host, port), grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}

function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

async function stopHttp(server: ReturnType<typeof Bun.serve>, graceMs: number): Promise<void> {
  // stop(false) closes the listener and resolves once in-flight requests have answered.
  if (!(await settlesWithin(server.stop(false), graceMs))) await server.stop(true);
}

async function stopGrpc(server: grpc.Server, graceMs: number): Promise<void> {
  const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  if (!(await settlesWithin(drained, graceMs))) server.forceShutdown();
}
