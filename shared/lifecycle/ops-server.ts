/**
 * The small HTTP port of roles whose main port is not HTTP (writer, querier):
 * `/healthz` (liveness), `/ready` (readiness) and `/metrics` (Prometheus text).
 */
import type { Logger } from "../log/index.ts";
import type { MetricsRegistry } from "../metrics/index.ts";
import type { Readiness } from "./role.ts";

export interface OpsServerOptions {
  host: string;
  port: number;
  log: Logger;
  metrics: MetricsRegistry;
  readiness: () => Readiness;
}

export interface OpsServer {
  readonly address: string;
  stop(): Promise<void>;
}

export function opsResponse(path: string, metrics: MetricsRegistry, readiness: () => Readiness): Response | undefined {
  switch (path) {
    case "/healthz":
      return Response.json({ status: "ok" });
    case "/ready": {
      const state = readiness();
      return Response.json(state, { status: state.ready ? 200 : 503 });
    }
    case "/metrics":
      return new Response(metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4" } });
    default:
      return undefined;
  }
}

export function startOpsServer(options: OpsServerOptions): OpsServer {
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== "GET") return Response.json({ error: "method not allowed", status: 405 }, { status: 405 });
      return (
        opsResponse(path, options.metrics, options.readiness) ??
        Response.json({ error: `no route ${path}`, status: 404 }, { status: 404 })
      );
    },
  });
  const address = `${options.host}:${server.port}`;
  options.log.info("ops.listening", { address });
  return {
    address,
    stop: async () => {
      await server.stop(true);
    },
  };
}
