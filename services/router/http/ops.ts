/**
 * Operations: `/healthz` (the process answers), `/ready` (200 or 503 with the backend's view:
 * `{ ready, degraded, ...detail }`), `/metrics` (the router's HTTP metrics + the backend's), and
 * `/api/v1/topology` (services and shard map, from the backend).
 */
import type { Hono, MiddlewareHandler } from "hono";
import type { MetricsRegistry } from "../../../shared/metrics/index.ts";
import type { QueryBackend } from "./backend.ts";
import type { RouterEnv } from "./env.ts";

export function registerOpsRoutes(app: Hono<RouterEnv>, backend: QueryBackend, registry: MetricsRegistry): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/ready", (c) => {
    const state = backend.ready();
    const body = { ready: state.ready, degraded: state.degraded, ...(state.detail ? { detail: state.detail } : {}) };
    return c.json(body, state.ready ? 200 : 503);
  });

  app.get("/metrics", (c) => {
    const extra = backend.metricsText();
    const text = registry.render() + (extra === "" || extra.endsWith("\n") ? extra : extra + "\n");
    return c.body(text, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });
}

/** Behind `guard`: the tenancy check for the admin scope (topology shows addresses). */
export function registerTopologyRoute(app: Hono<RouterEnv>, backend: QueryBackend, guard: MiddlewareHandler<RouterEnv>): void {
  app.get("/api/v1/topology", guard, async (c) => c.json((await backend.topology()) as object));
}
