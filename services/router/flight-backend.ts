/**
 * The router's QueryBackend: pick a live querier round-robin, run the ticket over Flight,
 * and on a querier that cannot be reached mark it suspect and retry once on another —
 * so a querier that dies mid-loop costs the client nothing.
 */
import type { Table } from "apache-arrow";
import type { CatalogRepository } from "../../shared/catalog/index.ts";
import type { Resolver } from "../../shared/discovery/index.ts";
import { FlightError, grpcToHttpStatus, type FlightClientPool } from "../../shared/flight/index.ts";
import type { Logger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { ShardMapIndex, writerName, writersByName } from "../../shared/sharding/index.ts";
import { QueryBackendError, type BackendReadiness, type QueryBackend, type QueryOptions, type Ticket } from "./http/backend.ts";

const ATTEMPTS = 2;

export class FlightQueryBackend implements QueryBackend {
  private stopping = false;
  private readonly retries;

  constructor(
    private readonly deps: { resolver: Resolver; pool: FlightClientPool; catalog: CatalogRepository; log: Logger; metrics: MetricsRegistry },
  ) {
    this.retries = deps.metrics.counter("signalbox_router_querier_retries_total", "queries retried on another querier");
  }

  async query(ticket: Ticket, opts: QueryOptions): Promise<Table> {
    let lastError: FlightError | undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const querier = await this.deps.resolver.pickRoundRobin({ role: "querier" });
      if (!querier) break;
      const remaining = opts.deadline - Date.now();
      if (remaining <= 0) throw new QueryBackendError(504, "query deadline exceeded");
      try {
        return await this.deps.pool.get(querier.address).getTable(ticket, { deadlineMs: remaining, signal: opts.signal });
      } catch (err) {
        const error = FlightError.from(err);
        if (!error.isUnavailable) throw new QueryBackendError(grpcToHttpStatus(error.code), error.message, { cause: error });
        this.deps.resolver.markSuspect(querier.id);
        this.deps.pool.drop(querier.address);
        this.retries.inc();
        this.deps.log.warn("query.querier_unavailable", { querier: querier.id, address: querier.address, attempt });
        lastError = error;
      }
    }
    throw new QueryBackendError(503, lastError ? `no querier answered: ${lastError.message}` : "no querier is live", { cause: lastError });
  }

  async topology(): Promise<unknown> {
    const now = Date.now();
    const instances = await this.deps.resolver.live();
    const stored = await this.deps.catalog.shardMap();
    const liveWriters = writersByName(instances.filter((i) => i.role === "writer"));
    const shardMap = stored ? shardMapView(new ShardMapIndex(stored), liveWriters) : null;
    return {
      status: this.deps.resolver.status(),
      instances: instances.map((i) => ({
        id: i.id,
        role: i.role,
        address: i.address,
        capabilities: i.capabilities,
        last_seen: new Date(i.lastSeen).toISOString(),
        age_ms: now - i.lastSeen,
        sources: i.sources,
        meta: i.meta,
        ...(i.role === "writer" ? { name: writerName(i) } : {}),
      })),
      shard_map: shardMap,
    };
  }

  /** From now on /ready answers 503, so load balancers stop sending while requests drain. */
  markStopping(): void {
    this.stopping = true;
  }

  ready(): BackendReadiness {
    const status = this.deps.resolver.status();
    return { ready: !this.stopping, degraded: status.degraded, detail: { catalog: status.catalog, nats: status.nats } };
  }
}

/**
 * The shard map for operators: replicas are writer names (`writer.name`); each writer's
 * shard counts and whether a live instance answers for it.
 */
function shardMapView(map: ShardMapIndex, liveWriters: Map<string, { id: string; address: string }>) {
  const counts = map.countsByWriter();
  return {
    epoch: map.epoch,
    shard_count: map.shards.length,
    // Shards naming a writer that is not live: writes to them wait for the next epoch.
    degraded_shards: map.shards.filter((s) => s.replicas.some((name) => !liveWriters.has(name))).length,
    writers: Object.fromEntries(
      [...new Set([...Object.keys(counts), ...liveWriters.keys()])].sort().map((name) => {
        const live = liveWriters.get(name);
        return [name, { live: live !== undefined, instance_id: live?.id, address: live?.address, shards: counts[name] ?? { primary: 0, replica: 0, total: 0 } }];
      }),
    ),
    shards: map.shards.map((s) => ({ shard_id: s.shardId, primary: s.replicas[0] ?? null, replicas: s.replicas })),
  };
}
