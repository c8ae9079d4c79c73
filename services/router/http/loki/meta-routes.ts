/** Loki's metadata endpoints (series, index, detected labels and fields, patterns); the label routes are registered with the query routes (index.ts). */
import type { Hono } from "hono";
import type { RouterEnv } from "../env.ts";
import type { RouteDeps } from "../route-deps.ts";
import { registerDetectedRoutes } from "./detected.ts";
import { registerFormatQueryRoute } from "./format-query.ts";
import { registerIndexRoutes } from "./index-routes.ts";
import { registerPatternsRoute } from "./patterns.ts";
import { registerSeriesRoute } from "./series.ts";

export function registerLokiMetaRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  registerSeriesRoute(app, deps);
  registerIndexRoutes(app, deps);
  registerDetectedRoutes(app, deps);
  registerPatternsRoute(app, deps);
  registerFormatQueryRoute(app, deps);
}
