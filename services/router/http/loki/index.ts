/**
 * Loki's HTTP API on the router, one file per concern: queries (`query.ts`: `/query`,
 * `/query_range`), live tail (`tail.ts`), labels (`labels.ts`), the metadata endpoints
 * (`meta-routes.ts`: series, index stats and volume, detected labels and fields, patterns),
 * build info (`status.ts`, open); parameters, errors, stats
 * and stream shapes beside them. Label model: shared/loki.
 */
import type { Hono } from "hono";
import type { RouterEnv } from "../env.ts";
import type { RouteDeps } from "../route-deps.ts";
import { registerLabelRoutes } from "./labels.ts";
import { registerLokiMetaRoutes } from "./meta-routes.ts";
import { registerQueryRoutes } from "./query.ts";
import { registerTailRoute } from "./tail.ts";

export function registerLokiRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  registerQueryRoutes(app, deps);
  registerTailRoute(app, deps);
  registerLabelRoutes(app, deps);
  registerLokiMetaRoutes(app, deps);
}
