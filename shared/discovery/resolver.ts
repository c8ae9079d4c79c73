/**
 * The Resolver every role asks "which instances are live?". It merges the catalog view and
 * the NATS view (see merge.ts for the rule), applies caller evidence (suspects), pushes
 * up/down events, and keeps answering from its last good view through outages.
 */
import { discoveryTtlMs, type Config } from "../config/index.ts";
import type { CatalogRepository } from "../catalog/repository.ts";
import type { Logger } from "../log/index.ts";
import { CatalogView } from "./catalog-view.ts";
import { mergeViews, type Exclusion, type NatsSighting } from "./merge.ts";
import { NatsDiscovery, type NatsAnnouncement, type RegistryChange } from "./nats-connection.ts";
import { matchesSelector, selectorKey } from "./selector.ts";
import type { ChangeEvent, LiveInstance, Resolver, ResolverStatus, Selector } from "./types.ts";

export interface ResolverOptions {
  config: Config;
  catalog: CatalogRepository;
  log: Logger;
  /**
   * undefined: connect to `discovery.nats.url` when set, and close that connection on close();
   * null: no NATS; a connection: share it (the caller closes it).
   */
  nats?: NatsDiscovery | null;
  /** Background catalog refresh period (default heartbeat_interval / 2, kept within 100 ms..5 s). */
  pollIntervalMs?: number;
  /** Deadline of one catalog query (default 2 s). */
  catalogTimeoutMs?: number;
}

/** While the catalog is down, how often the background probe asks whether it is back. */
const OUTAGE_PROBE_MS = 500;

export async function createResolver(options: ResolverOptions): Promise<Resolver> {
  const { config, log } = options;
  const ownsNats = options.nats === undefined && config.discovery.nats.url !== undefined;
  const nats = ownsNats
    ? await NatsDiscovery.connect({
        url: config.discovery.nats.url!,
        bucket: config.discovery.nats.kv_bucket,
        ttlMs: discoveryTtlMs(config),
        log,
        name: "signalbox-resolver",
      })
    : (options.nats ?? null);
  const resolver = new MergingResolver(options, nats, ownsNats);
  await resolver.start();
  return resolver;
}

class MergingResolver implements Resolver {
  private readonly log: Logger;
  private readonly ttlMs: number;
  private readonly staleAfterMs: number;
  /** Connected this long, NATS has had the chance to hear every live instance. */
  private readonly settleMs: number;
  private natsUpSince = Date.now();
  private readonly pollIntervalMs: number;
  private readonly catalogView: CatalogView;
  private readonly sightings = new Map<string, NatsSighting>();
  private readonly exclusions = new Map<string, Exclusion>();
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private readonly cursors = new Map<string, number>();
  private current = new Map<string, LiveInstance>();
  private readonly cleanups: Array<() => void> = [];
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    options: ResolverOptions,
    private readonly nats: NatsDiscovery | null,
    private readonly ownsNats: boolean,
  ) {
    const { config } = options;
    this.log = options.log.child({ component: "discovery.resolver" });
    this.ttlMs = discoveryTtlMs(config);
    this.staleAfterMs = config.discovery.nats.stale_after;
    this.settleMs = 2 * config.discovery.nats.heartbeat_interval;
    this.pollIntervalMs =
      options.pollIntervalMs ?? Math.min(5_000, Math.max(100, Math.floor(config.discovery.heartbeat_interval / 2)));
    this.catalogView = new CatalogView({
      catalog: options.catalog,
      ttlMs: this.ttlMs,
      cacheTtlMs: config.discovery.cache_ttl,
      timeoutMs: options.catalogTimeoutMs ?? 2_000,
      log: this.log,
    });
  }

  async start(): Promise<void> {
    if (this.nats) {
      this.cleanups.push(this.nats.listen((a) => this.onAnnouncement(a)));
      this.cleanups.push(
        this.nats.onHealth((ok) => {
          if (ok) this.natsUpSince = Date.now();
          this.reconcile();
        }),
      );
      this.cleanups.push(await this.nats.watchRegistry((change) => this.onRegistryChange(change)));
      // Staleness has no event of its own: look for silent instances a few times per stale_after.
      const sweepMs = Math.max(20, Math.min(100, Math.floor(this.staleAfterMs / 10)));
      this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
      this.sweepTimer.unref?.();
    }
    await this.catalogView.refresh();
    this.reconcile();
    this.schedulePoll();
  }

  async live(selector?: Selector): Promise<LiveInstance[]> {
    await this.catalogView.read();
    return [...this.reconcile().values()].filter((instance) => matchesSelector(instance, selector));
  }

  async pickRoundRobin(selector: Selector): Promise<LiveInstance | undefined> {
    const candidates = await this.live(selector);
    if (candidates.length === 0) return undefined;
    const key = selectorKey(selector);
    const cursor = this.cursors.get(key) ?? 0;
    this.cursors.set(key, (cursor + 1) % Number.MAX_SAFE_INTEGER);
    return candidates[cursor % candidates.length];
  }

  markSuspect(id: string): void {
    const row = this.catalogView.rows.find((r) => r.id === id);
    const sighting = this.sightings.get(id);
    // Catalog heartbeats are only known as of the last query; counting "now" as the newest
    // keeps a heartbeat written before the failure (but read after it) from readmitting it.
    const lastSeen = Math.max(row?.lastSeen ?? 0, sighting?.instance.lastSeen ?? 0, Date.now());
    this.exclusions.set(id, { reason: "suspect", lastSeen, heardAt: sighting?.heardAt ?? 0, at: Date.now() });
    this.log.info("discovery.instance.suspect", { id, role: row?.role ?? sighting?.instance.role });
    this.reconcile();
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): ResolverStatus {
    const catalog = this.catalogView.health;
    const nats = this.nats === null ? "off" : this.nats.ok ? "ok" : "down";
    return { degraded: catalog === "down" || nats === "down", catalog, nats };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearInterval(this.sweepTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.listeners.clear();
    if (this.ownsNats) await this.nats?.close();
  }

  private onAnnouncement(announcement: NatsAnnouncement): void {
    const { instance, receivedAt } = announcement;
    if (announcement.kind === "deregister") {
      const row = this.catalogView.rows.find((r) => r.id === instance.id);
      this.sightings.delete(instance.id);
      this.exclusions.set(instance.id, {
        reason: "deregistered",
        lastSeen: Math.max(instance.lastSeen, row?.lastSeen ?? 0),
        heardAt: receivedAt,
        at: receivedAt,
      });
    } else {
      this.sightings.set(instance.id, { instance, heardAt: receivedAt });
    }
    this.reconcile();
  }

  private onRegistryChange(change: RegistryChange): void {
    if (change.op === "put") {
      // A KV entry proves the instance publishes on NATS, not that it is alive now: it lets
      // NATS silence overrule the catalog for instances that died before we connected.
      if (!this.sightings.has(change.instance.id) && !this.exclusions.has(change.instance.id)) {
        this.sightings.set(change.instance.id, { instance: change.instance, heardAt: change.writtenAt, fromRegistry: true });
        this.reconcile();
      }
      return;
    }
    if (this.exclusions.get(change.id)?.reason === "deregistered") return;
    const row = this.catalogView.rows.find((r) => r.id === change.id);
    const sighting = this.sightings.get(change.id);
    this.sightings.delete(change.id);
    const now = Date.now();
    this.exclusions.set(change.id, {
      reason: "deregistered",
      lastSeen: Math.max(row?.lastSeen ?? 0, sighting?.instance.lastSeen ?? 0),
      heardAt: now,
      at: now,
    });
    this.reconcile();
  }

  private schedulePoll(): void {
    if (this.closed) return;
    const delay = this.catalogView.health === "down" ? Math.min(this.pollIntervalMs, OUTAGE_PROBE_MS) : this.pollIntervalMs;
    this.pollTimer = setTimeout(async () => {
      await this.catalogView.refresh();
      if (this.closed) return;
      this.reconcile();
      this.schedulePoll();
    }, delay);
    this.pollTimer.unref?.();
  }

  private sweep(): void {
    const now = Date.now();
    // Forget what can no longer matter: the row is reaped after 2 × ttl.
    const horizon = 2 * this.ttlMs + this.staleAfterMs;
    for (const [id, sighting] of this.sightings) if (now - sighting.heardAt > horizon) this.sightings.delete(id);
    for (const [id, exclusion] of this.exclusions) if (now - exclusion.at > horizon) this.exclusions.delete(id);
    this.reconcile();
  }

  /** Recompute the live set, emit the differences, and return it. */
  private reconcile(): Map<string, LiveInstance> {
    const merged = mergeViews({
      now: Date.now(),
      ttlMs: this.ttlMs,
      staleAfterMs: this.staleAfterMs,
      catalog: { rows: this.catalogView.rows, health: this.catalogView.health },
      nats: {
        sightings: this.sightings,
        health: this.status().nats,
        settled: this.nats !== null && Date.now() - this.natsUpSince >= this.settleMs,
      },
      exclusions: this.exclusions,
    });
    const next = new Map(merged.map((instance) => [instance.id, instance]));
    const previous = this.current;
    this.current = next;
    if (this.closed) return next;
    for (const [id, instance] of next) if (!previous.has(id)) this.emit({ type: "up", instance });
    for (const [id, instance] of previous) if (!next.has(id)) this.emit({ type: "down", instance });
    return next;
  }

  private emit(event: ChangeEvent): void {
    this.log.debug("discovery.instance." + event.type, { id: event.instance.id, role: event.instance.role });
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error("discovery.listener_failed", { type: event.type, id: event.instance.id, err });
      }
    }
  }
}
