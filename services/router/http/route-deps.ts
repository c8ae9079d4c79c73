/** What the route modules need from the app: the deadline-bound query runner and limits. */
import type { MiddlewareHandler } from "hono";
import type { RouterEnv } from "./env.ts";
import type { QueryLimits } from "./query-limits.ts";
import type { RunQuery } from "./run-query.ts";

export interface RouteDeps {
  run: RunQuery;
  /** `query.max_result_rows`: the largest `limit` / `maxRows` a request may ask for. */
  maxResultRows: number;
  /** Per-org query limits (concurrency is enforced by `run`; routes check their answers' series). */
  limits: QueryLimits;
  /** Tenancy for the `query` scope: every query route runs it before its handler. */
  guard: MiddlewareHandler<RouterEnv>;
  /** `query.timeout`: an evaluation's own deadline (LogQL), so its timeout answers before the router's. */
  queryTimeoutMs?: number;
}
