/**
 * The router's HTTP layer talks to exactly one thing: a QueryBackend. Another module chooses a
 * querier and routes the ticket over Flight; tests stand in a backend that builds Arrow tables.
 * Keeping the seam this narrow is what lets every endpoint be tested in-process.
 */
import type { Table } from "apache-arrow";
import type { Ticket } from "../../../shared/query/index.ts";

export type { Ticket };

export interface QueryOptions {
  /** Absolute deadline, epoch milliseconds (`query.timeout` from the request's arrival). */
  deadline: number;
  /** Aborted when the deadline passes or the client goes away. */
  signal?: AbortSignal;
}

export interface BackendReadiness {
  ready: boolean;
  /** Serving, but from a stale or partial view (e.g. catalog or NATS unreachable). */
  degraded: boolean;
  detail?: Record<string, unknown>;
}

export interface QueryBackend {
  /**
   * Runs one ticket and returns its Arrow result (the per-kind column contract is
   * shared/query/results.ts). Failures throw QueryBackendError (or a FlightError, whose gRPC
   * status is mapped to HTTP).
   */
  query(ticket: Ticket, opts: QueryOptions): Promise<Table>;
  /** JSON answer of /api/v1/topology (services and shard map). */
  topology(): Promise<unknown>;
  ready(): BackendReadiness;
}

/** A failure the backend already classified: `status` is the HTTP status the client sees. */
export class QueryBackendError extends Error {
  override readonly name = "QueryBackendError";
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
