/**
 * A QueryBackend that runs every ticket on an in-process querier engine over fixed sources:
 * the router's HTTP layer over real evaluation, without the Flight hop (which the process
 * tests cover).
 */
import { parseTicket, type Ticket } from "../../shared/query/index.ts";
import type { QueryEngine, QuerySources } from "../../services/querier/engine/index.ts";
import type { BackendReadiness, QueryBackend } from "../../services/router/http/backend.ts";

export class EngineBackend implements QueryBackend {
  readonly tickets: Ticket[] = [];

  constructor(
    private readonly engine: QueryEngine,
    private readonly sources: QuerySources,
  ) {}

  async query(ticket: Ticket) {
    this.tickets.push(ticket);
    return this.engine.execute(parseTicket(ticket), this.sources);
  }

  async topology(): Promise<unknown> {
    return { instances: [], shards: [] };
  }

  ready(): BackendReadiness {
    return { ready: true, degraded: false };
  }

  metricsText(): string {
    return "";
  }
}
