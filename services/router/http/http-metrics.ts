/**
 * Request count and latency per route pattern (never the raw path: ids would explode the
 * series count) and status, in the role's Prometheus registry.
 */
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { MetricsRegistry } from "../../../shared/metrics/index.ts";

export function httpMetricsMiddleware(registry: MetricsRegistry): MiddlewareHandler {
  const requests = registry.counter("signalbox_router_http_requests_total", "HTTP requests answered, by route, method and status", ["method", "route", "status"]);
  const latency = registry.histogram(
    "signalbox_router_http_request_duration_seconds",
    "HTTP request latency in seconds, by route and method",
    ["method", "route"],
  );
  return async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const route = routeLabel(matchedRoutes(c).map((r) => r.path));
      const labels = { route, method: c.req.method };
      requests.inc({ ...labels, status: String(c.res.status) });
      latency.since(start, labels);
    }
  };
}

/** The last matched pattern that is not a middleware wildcard; "unmatched" for 404s. */
function routeLabel(paths: string[]): string {
  for (let i = paths.length - 1; i >= 0; i--) {
    const p = paths[i]!;
    if (!p.endsWith("*")) return p;
  }
  return "unmatched";
}
