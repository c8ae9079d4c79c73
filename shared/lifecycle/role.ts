/**
 * What every role receives and returns. A role is a function from a context (config,
 * logger, catalog, metrics) to a running instance that can report readiness and stop.
 * The entrypoints and the monolith only ever deal in these two types.
 */
import type { Config } from "../config/index.ts";
import type { CatalogRepository } from "../catalog/repository.ts";
import type { InProcessFlight } from "../flight/index.ts";
import type { Logger } from "../log/index.ts";
import type { MetricsRegistry } from "../metrics/index.ts";

export type RoleName = "acceptor" | "writer" | "router" | "querier";
export const ROLE_NAMES: readonly RoleName[] = ["acceptor", "writer", "router", "querier"];

export interface RoleContext {
  config: Config;
  log: Logger;
  catalog: CatalogRepository;
  metrics: MetricsRegistry;
  /** True when all roles share this process (the monolith). */
  monolith: boolean;
  /**
   * The monolith's Flight servers, for DoPut between its roles without gRPC (the WAL's fsync
   * still comes before every ack; docs/architecture.md §3). Absent when roles run alone.
   */
  inProcessFlight?: InProcessFlight;
}

export interface Readiness {
  ready: boolean;
  /** Serving, but from a stale view (catalog or NATS unreachable). */
  degraded?: boolean;
  detail?: Record<string, unknown>;
}

export interface RunningRole {
  readonly role: RoleName;
  /** Addresses this instance listens on, by name (flight, http, grpc, ...). */
  readonly addresses: Record<string, string>;
  readiness(): Readiness;
  /** Stop accepting, finish in-flight work (bounded by `shutdown_timeout`), deregister. */
  stop(): Promise<void>;
}

export type RoleStarter = (ctx: RoleContext) => Promise<RunningRole>;
