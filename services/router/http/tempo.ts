/**
 * The Tempo-compatible surface, so Grafana's Tempo data source works unchanged against the
 * router: echo, build info, trace by id, search, tag discovery and TraceQL metrics.
 */
import type { Hono } from "hono";
import type { RouterEnv } from "./env.ts";
import type { RouteDeps } from "./route-deps.ts";
import { registerMetricsRoutes } from "./tempo-metrics.ts";
import { registerSearchRoute } from "./tempo-search.ts";
import { registerTagRoutes } from "./tempo-tags.ts";
import { registerTraceRoutes } from "./tempo-traces.ts";

/**
 * What `/api/status/buildinfo` reports. Grafana's Tempo data source reads `version` for its
 * feature gates (`featuresToTempoVersion` in its datasource.ts): 2.2.0 allows streaming
 * search, 2.7.0 streaming TraceQL metrics. Both are served (router.grpc_port,
 * ../tempo-streaming), so Signalbox reports 2.7.0: with streaming on in the data source, Grafana
 * streams search and metrics queries.
 */
export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
}

export const TEMPO_COMPATIBLE_VERSION = "2.7.0";

export function defaultBuildInfo(): BuildInfo {
  return {
    version: TEMPO_COMPATIBLE_VERSION,
    revision: process.env.SIGNALBOX_REVISION ?? "unknown",
    branch: process.env.SIGNALBOX_BRANCH ?? "unknown",
    buildUser: "signalbox",
    buildDate: process.env.SIGNALBOX_BUILD_DATE ?? "unknown",
    // Grafana only displays it; say what actually runs.
    goVersion: `bun${Bun.version}`,
  };
}

/** Routes that need no tenant (the app mounts them outside the tenancy middleware). */
export function registerTempoPublicRoutes(app: Hono<RouterEnv>, buildInfo: BuildInfo): void {
  app.get("/api/echo", (c) => c.text("echo"));
  app.get("/api/status/buildinfo", (c) => c.json(buildInfo));
}

export function registerTempoQueryRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  registerTraceRoutes(app, deps);
  registerSearchRoute(app, deps);
  registerTagRoutes(app, deps);
  registerMetricsRoutes(app, deps);
}
