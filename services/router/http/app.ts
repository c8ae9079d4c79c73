/**
 * The router's HTTP query API as a Hono app: Tempo- and Loki-compatible reads, SQL, and
 * operations, over one QueryBackend. `app.fetch` serves it (Bun.serve) and `app.request`
 * tests it in-process.
 */
import { Hono } from "hono";
import type { Config } from "../../../shared/config/index.ts";
import type { Logger } from "../../../shared/log/index.ts";
import { LimitHits, TenantLimitsTable } from "../../../shared/limits/index.ts";
import { MetricsRegistry } from "../../../shared/metrics/index.ts";
import type { QueryBackend } from "./backend.ts";
import type { RouterEnv } from "./env.ts";
import { classifyError, errorResponse } from "./errors.ts";
import { httpMetricsMiddleware } from "./http-metrics.ts";
import { registerLokiRoutes } from "./loki/index.ts";
import { registerLokiStatusRoutes } from "./loki/status.ts";
import { QueryLimits } from "./query-limits.ts";
import { registerOpsRoutes, registerTopologyRoute } from "./ops.ts";
import type { RouteDeps } from "./route-deps.ts";
import { createQueryRunner } from "./run-query.ts";
import { registerPrometheusRoutes } from "./prometheus/routes.ts";
import { registerSqlRoute } from "./sql.ts";
import { defaultBuildInfo, registerTempoPublicRoutes, registerTempoQueryRoutes, type BuildInfo } from "./tempo.ts";
import { tenancyMiddleware } from "./tenancy.ts";

/** The configuration keys the HTTP layer reads (a full `Config` fits). */
export interface RouterHttpConfig {
  query: Pick<Config["query"], "timeout" | "max_result_rows">;
  auth: Pick<Config["auth"], "tokens">;
  limits: Config["limits"];
}

/** The router waits this much past query.timeout for PromQL, so the querier's own timeout answer (503) arrives first. */
const PROMQL_DEADLINE_MARGIN_MS = 5_000;

export interface RouterAppOptions {
  backend: QueryBackend;
  config: RouterHttpConfig;
  log: Logger;
  /** The role's registry; the app adds its HTTP series. A private one by default. */
  metrics?: MetricsRegistry;
  /** Overrides of what /api/status/buildinfo reports. */
  buildInfo?: Partial<BuildInfo>;
}

export function createRouterApp(options: RouterAppOptions): Hono<RouterEnv> {
  const { backend, config, log } = options;
  const registry = options.metrics ?? new MetricsRegistry();
  const app = new Hono<RouterEnv>();

  app.use("*", httpMetricsMiddleware(registry));

  app.onError((err, c) => {
    const known = classifyError(err);
    if (known) {
      if (known.status >= 500) log.warn("http.request_failed", { method: c.req.method, path: c.req.path, status: known.status, error: known.message });
      return errorResponse(known.status, known.message, known.headers);
    }
    log.error("http.unhandled_error", {
      method: c.req.method,
      path: c.req.path,
      error: err,
      stack: err instanceof Error ? err.stack : undefined,
    });
    return errorResponse(500, "internal error");
  });
  app.notFound((c) => errorResponse(404, `no route ${c.req.method} ${c.req.path}`));

  const limits = new QueryLimits(new TenantLimitsTable(config.limits), new LimitHits(registry));
  const deps: RouteDeps = {
    run: createQueryRunner(backend, config.query.timeout, limits),
    limits,
    maxResultRows: config.query.max_result_rows,
    guard: tenancyMiddleware(config.auth.tokens, "query"),
    queryTimeoutMs: config.query.timeout,
  };

  registerOpsRoutes(app, backend, registry);
  registerTopologyRoute(app, backend, tenancyMiddleware(config.auth.tokens, "admin"));
  registerTempoPublicRoutes(app, { ...defaultBuildInfo(), ...options.buildInfo });
  registerTempoQueryRoutes(app, deps);
  registerLokiRoutes(app, deps);
  registerLokiStatusRoutes(app, { ...defaultBuildInfo(), ...options.buildInfo });
  registerSqlRoute(app, deps);
  const promqlTimeout = config.query.timeout;
  const { version: _tempoVersion, ...buildInfo } = { ...defaultBuildInfo(), ...options.buildInfo };
  registerPrometheusRoutes(app, {
    run: createQueryRunner(backend, promqlTimeout + PROMQL_DEADLINE_MARGIN_MS, limits),
    guard: deps.guard,
    queryTimeoutMs: promqlTimeout,
    limits,
    maxResultRows: config.query.max_result_rows,
    buildInfo,
  });
  return app;
}
