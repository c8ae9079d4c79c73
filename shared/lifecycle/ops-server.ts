/**
 * The operations endpoints every role answers the same way: `/healthz` (liveness), `/ready`
 * (readiness: `{ ready, degraded, detail? }`, 503 when not ready) and `/metrics` (Prometheus
 * text). Roles with an HTTP port (acceptor, router) serve them there through `opsResponse`;
 * the writer and querier get a small port of their own (`startOpsServer`).
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

export const OPS_PATHS = ["/healthz", "/ready", "/metrics"] as const;

export function opsResponse(path: string, metrics: MetricsRegistry, readiness: () => Readiness): Response | Promise<Response> | undefined {
  switch (path) {
    case "/healthz":
      return Response.json({ status: "ok" });
    case "/ready": {
      const { ready, degraded = false, detail } = readiness();
      return Response.json({ ready, degraded, ...(detail ? { detail } : {}) }, { status: ready ? 200 : 503 });
    }
    case "/metrics":
      return metrics.render().then((text) => new Response(text, { headers: { "content-type": metrics.contentType } }));
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
