/** Loki's metadata endpoints (labels, series, index, detected labels and fields, patterns): README.md. */
import type { Hono } from "hono";
import type { RouterEnv } from "../env.ts";
import type { RouteDeps } from "../route-deps.ts";
import { registerDetectedRoutes } from "./detected.ts";
import { registerIndexRoutes } from "./index-routes.ts";
import { registerLabelRoutes } from "./labels.ts";
import { registerSeriesRoute } from "./series.ts";

export function registerLokiMetaRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  registerLabelRoutes(app, deps);
  registerSeriesRoute(app, deps);
  registerIndexRoutes(app, deps);
  registerDetectedRoutes(app, deps);
}
