/** The vocabulary of discovery shared by the resolver, the bootstrap and the topology CLI. */
import type { ServiceInstance } from "../catalog/model.ts";

export type { ServiceInstance };

/**
 * Which instances a caller wants. A plain string matches an instance whose role equals it
 * or whose capabilities include it (role and capability names never overlap).
 */
export type Selector = { role?: string; capability?: string } | string;

/** Where the evidence that an instance is alive came from. */
export type EvidenceSource = "catalog" | "nats";

/** A live instance as the resolver sees it. `lastSeen` is the newest heartbeat from any source. */
export interface LiveInstance extends ServiceInstance {
  sources: EvidenceSource[];
}

export type CatalogHealth = "ok" | "down";
export type NatsHealth = "ok" | "down" | "off";

export interface ResolverStatus {
  /** True while answers come from a stale view because the catalog or NATS is unreachable. */
  degraded: boolean;
  catalog: CatalogHealth;
  nats: NatsHealth;
}

export interface ChangeEvent {
  type: "up" | "down";
  instance: ServiceInstance;
}

export interface Resolver {
  /** Live instances matching `selector` (all when omitted), ordered by id. */
  live(selector?: Selector): Promise<LiveInstance[]>;
  /** The next live instance matching `selector`, cycling through them; undefined when none is live. */
  pickRoundRobin(selector: Selector): Promise<LiveInstance | undefined>;
  /** A caller failed to reach `id`: exclude it until it is heard from again. */
  markSuspect(id: string): void;
  /** Called on every instance that becomes live (`up`) or stops being live (`down`). Returns an unsubscribe. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  status(): ResolverStatus;
  /** Stop the background refresh (and the NATS connection when the resolver opened it). */
  close(): Promise<void>;
}

export interface Discovery {
  readonly instance: ServiceInstance;
  readonly resolver: Resolver;
  /** Deregister everywhere (NATS subject, KV, catalog) and stop heartbeats. Idempotent. */
  stop(): Promise<void>;
}
