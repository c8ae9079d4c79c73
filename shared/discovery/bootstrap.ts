/**
 * The one call a role makes at start: register everywhere, heartbeat, reap the dead, and
 * deregister everywhere on stop.
 *
 * - catalog: `register`, then `heartbeat` every `discovery.heartbeat_interval` (register
 *   again when the row was reaped), and `reap` rows stale for 2 × ttl on the same tick
 *   (crashed instances never deregister, so every live instance sweeps up after them);
 * - NATS (optional): `services.{role}.register`, `services.{role}.heartbeat` every
 *   `discovery.nats.heartbeat_interval`, `services.{role}.deregister`; `{role}.{id}` in the
 *   KV bucket, re-put on each catalog tick so the bucket's max_age (= ttl) never drops it.
 */
import { discoveryTtlMs, type Config } from "../config/index.ts";
import type { ServiceInstance } from "../catalog/model.ts";
import type { CatalogRepository } from "../catalog/repository.ts";
import type { Logger } from "../log/index.ts";
import { DiscoveryError, answerWithin } from "./errors.ts";
import { buildInstance } from "./instance.ts";
import { NatsDiscovery } from "./nats-connection.ts";
import { createResolver } from "./resolver.ts";
import type { Discovery, Resolver } from "./types.ts";

export interface StartDiscoveryOptions {
  config: Config;
  role: string;
  capabilities: string[];
  /** The bound host:port other instances dial. */
  address: string;
  /** Extra facts merged over version, pid, hostname and listeners. */
  meta?: Record<string, unknown>;
  catalog: CatalogRepository;
  log: Logger;
  /** Share an existing NATS connection (the caller closes it); default: connect when configured. */
  nats?: NatsDiscovery | null;
  /** Deadline of each catalog call (default 2 s): a hung catalog must not stall heartbeats or stop(). */
  catalogTimeoutMs?: number;
}

const DEFAULT_CATALOG_TIMEOUT_MS = 2_000;

export async function startDiscovery(options: StartDiscoveryOptions): Promise<Discovery> {
  const { config, catalog } = options;
  const instance = buildInstance(options);
  const log = options.log.child({ component: "discovery", instance: instance.id });
  const ttlMs = discoveryTtlMs(config);
  const ownsNats = options.nats === undefined && config.discovery.nats.url !== undefined;
  const nats = ownsNats
    ? await NatsDiscovery.connect({
        url: config.discovery.nats.url!,
        bucket: config.discovery.nats.kv_bucket,
        ttlMs,
        log,
        name: `signalbox-${instance.role}-${instance.id}`,
      })
    : (options.nats ?? null);

  const timeoutMs = options.catalogTimeoutMs ?? DEFAULT_CATALOG_TIMEOUT_MS;
  try {
    await answerWithin(catalog.register(instance), timeoutMs, "catalog register");
  } catch (err) {
    if (ownsNats) await nats?.close();
    throw new DiscoveryError("register_failed", `cannot register ${instance.role} in the catalog: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (nats) {
    await nats.putRegistry(instance);
    nats.announce("register", instance);
  }
  const resolver = await createResolver({ config, catalog, log: options.log, nats, catalogTimeoutMs: timeoutMs });
  log.info("discovery.registered", {
    role: instance.role,
    address: instance.address,
    capabilities: instance.capabilities,
    heartbeat_ms: config.discovery.heartbeat_interval,
    ttl_ms: ttlMs,
    nats: nats ? config.discovery.nats.url : "off",
  });

  return new RunningDiscovery(instance, resolver, catalog, nats, ownsNats, config, { ttlMs, timeoutMs }, log);
}

class RunningDiscovery implements Discovery {
  private readonly catalogTimer: ReturnType<typeof setInterval>;
  private readonly natsTimer: ReturnType<typeof setInterval> | undefined;
  /** The catalog tick in progress; a tick that finds one running is skipped, so an outage builds no backlog. */
  private ticking: Promise<void> | null = null;
  /** The KV refresh runs beside the catalog heartbeat, never in its way (a NATS outage makes it wait). */
  private registryPut: Promise<void> | null = null;
  private heartbeatFailing = false;
  private stopping: Promise<void> | null = null;

  constructor(
    readonly instance: ServiceInstance,
    readonly resolver: Resolver,
    private readonly catalog: CatalogRepository,
    private readonly nats: NatsDiscovery | null,
    private readonly ownsNats: boolean,
    config: Config,
    private readonly limits: { ttlMs: number; timeoutMs: number },
    private readonly log: Logger,
  ) {
    this.catalogTimer = setInterval(() => {
      this.ticking ??= this.catalogHeartbeat().finally(() => (this.ticking = null));
    }, config.discovery.heartbeat_interval);
    if (nats) {
      this.natsTimer = setInterval(() => nats.announce("heartbeat", this.current()), config.discovery.nats.heartbeat_interval);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.deregister();
    return this.stopping;
  }

  private current(): ServiceInstance {
    return { ...this.instance, lastSeen: Date.now() };
  }

  private async catalogHeartbeat(): Promise<void> {
    if (this.stopping) return;
    const now = Date.now();
    try {
      const { ttlMs, timeoutMs } = this.limits;
      const present = await answerWithin(this.catalog.heartbeat(this.instance.id, now), timeoutMs, "catalog heartbeat");
      if (!present) {
        // Reaped while we could not heartbeat (e.g. a long catalog outage): come back.
        await answerWithin(this.catalog.register({ ...this.instance, lastSeen: now }), timeoutMs, "catalog register");
        this.log.warn("discovery.reregistered", { reason: "row was reaped" });
      }
      const reaped = await answerWithin(this.catalog.reap(now - 2 * ttlMs), timeoutMs, "catalog reap");
      if (reaped > 0) this.log.info("discovery.reaped", { rows: reaped });
      if (this.heartbeatFailing) this.log.info("discovery.heartbeat.recovered");
      this.heartbeatFailing = false;
    } catch (err) {
      if (!this.heartbeatFailing) this.log.warn("discovery.heartbeat.failed", { err });
      this.heartbeatFailing = true;
    }
    if (this.nats && !this.stopping) {
      // Published after the catalog write, so NATS's last word is never older than the row's
      // (the resolver lets NATS silence overrule only a catalog row that is not newer).
      this.nats.announce("heartbeat", this.current());
      if (!this.registryPut) {
        this.registryPut = this.nats.putRegistry(this.current()).finally(() => (this.registryPut = null));
      }
    }
  }

  private async deregister(): Promise<void> {
    clearInterval(this.catalogTimer);
    clearInterval(this.natsTimer);
    await this.ticking;
    const failures: string[] = [];
    if (this.nats) {
      this.nats.announce("deregister", this.current());
      await this.registryPut; // a refresh landing after the delete would bring the key back
      await this.nats.deleteRegistry(this.instance);
    }
    try {
      await answerWithin(this.catalog.deregister(this.instance.id), this.limits.timeoutMs, "catalog deregister");
    } catch (err) {
      // The reaper of the surviving instances removes the row after 2 × ttl.
      failures.push("catalog");
      this.log.error("discovery.deregister_failed", { target: "catalog", err });
    }
    await this.resolver.close();
    if (this.ownsNats) await this.nats?.close();
    this.log.info("discovery.deregistered", { failed: failures });
  }
}
