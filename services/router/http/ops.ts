/**
 * Operations: `/healthz`, `/ready` and `/metrics` answered by the handler every role shares
 * (shared/lifecycle/ops-server.ts) — readiness is the backend's view, metrics the role's
 * registry — and `/api/v1/topology` (services and shard map, from the backend).
 */
import type { Hono, MiddlewareHandler } from "hono";
import { OPS_PATHS, opsResponse } from "../../../shared/lifecycle/index.ts";
import type { MetricsRegistry } from "../../../shared/metrics/index.ts";
import type { QueryBackend } from "./backend.ts";
import type { RouterEnv } from "./env.ts";

export function registerOpsRoutes(app: Hono<RouterEnv>, backend: QueryBackend, registry: MetricsRegistry): void {
  for (const path of OPS_PATHS) app.get(path, () => opsResponse(path, registry, () => backend.ready())!);
}

/** Behind `guard`: the tenancy check for the admin scope (topology shows addresses). */
export function registerTopologyRoute(app: Hono<RouterEnv>, backend: QueryBackend, guard: MiddlewareHandler<RouterEnv>): void {
  app.get("/api/v1/topology", guard, async (c) => c.json((await backend.topology()) as object));
}
