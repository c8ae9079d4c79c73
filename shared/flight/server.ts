/**
 * Starts a Flight (gRPC) server for one role. Port 0 picks a free port; the bound address is
 * returned so the caller can register it with discovery.
 */
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../log/index.ts";
import type { MetricsRegistry } from "../metrics/index.ts";
import type { FlightHandlers } from "./handlers.ts";
import { InProcessServer, type InProcessFlight } from "./in-process.ts";
import { messageSizeOptions } from "./options.ts";
import { widenServerReceiveWindows } from "./receive-window.ts";
import { flightServiceDefinition } from "./proto.ts";
import { flightServiceImplementation } from "./server-calls.ts";

export interface FlightServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Cluster secret every call must present as `x-signalbox-secret` metadata ("" = none). */
  secret?: string;
  log: Logger;
  handlers: FlightHandlers;
  /** Largest FlightData accepted or sent (default 64 MiB). */
  maxMessageBytes?: number;
  /** Where call latency and errors are counted (the role's registry). */
  metrics?: MetricsRegistry;
  /** The monolith's registry: DoPut from roles of this process skips gRPC (in-process.ts). */
  inProcess?: InProcessFlight;
}

export interface FlightServer {
  /** `host:boundPort` (IPv6 hosts in brackets). */
  address: string;
  port: number;
  /** Stops accepting calls, lets running ones finish for `graceMs` (default 5 s), then cancels them. */
  close(graceMs?: number): Promise<void>;
}

const DEFAULT_GRACE_MS = 5_000;

export async function startFlightServer(opts: FlightServerOptions): Promise<FlightServer> {
  const log = opts.log;
  const maxMessageBytes = opts.maxMessageBytes;
  // grpc-js already lifts Node's http2 session-memory cap on servers; only message limits are set.
  const server = new grpc.Server(messageSizeOptions(maxMessageBytes));
  server.addService(flightServiceDefinition, flightServiceImplementation({ handlers: opts.handlers, log, secret: opts.secret || undefined, metrics: opts.metrics }));

  const host = opts.host.includes(":") && !opts.host.startsWith("[") ? `[${opts.host}]` : opts.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(new Error(`cannot bind the Flight server to ${host}:${opts.port}: ${err.message}`, { cause: err })) : resolve(bound),
    );
  });
  const address = `${host}:${port}`;
  const wideWindows = widenServerReceiveWindows(server);
  if (!wideWindows) log.warn("flight.server.default_windows", { address, reason: "grpc-js no longer exposes its HTTP/2 servers: DoPut runs with 64 KiB receive windows (slower)" });
  const inProcess = new InProcessServer({ handlers: opts.handlers, log, secret: opts.secret || undefined, metrics: opts.metrics });
  opts.inProcess?.serve(address, inProcess);
  log.info("flight.server.started", { address, auth: Boolean(opts.secret), in_process: Boolean(opts.inProcess) });

  let closing: Promise<void> | undefined;
  const close = (graceMs = DEFAULT_GRACE_MS) =>
    (closing ??= new Promise<void>((resolve) => {
      opts.inProcess?.remove(address, inProcess);
      const force = setTimeout(() => {
        log.warn("flight.server.force_close", { address, grace_ms: graceMs });
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown((err) => {
        clearTimeout(force);
        if (err) {
          log.warn("flight.server.shutdown_error", { address, error: err });
          server.forceShutdown();
        }
        resolve();
      });
    }).then(() => log.info("flight.server.stopped", { address })));

  return { address, port, close };
}
