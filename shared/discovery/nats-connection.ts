/**
 * The NATS side of discovery: one connection that announces an instance on
 * `services.{role}.{kind}`, keeps `{role}.{id}` in the KV bucket, and hands incoming
 * announcements and KV deletions to whoever listens (the resolver).
 *
 * nats-server 2.9 has no per-key TTL and expiring keys produce no watch event, so the KV
 * bucket is only the persistent registry (bucket max_age = ttl, refreshed by each catalog
 * heartbeat); liveness comes from heartbeat subjects plus the resolver's staleness timer.
 *
 * Subjects are global to a NATS server while the KV bucket belongs to one deployment, so each
 * announcement carries the bucket name in a header and listeners ignore other deployments'
 * (two clusters, or two test runs, sharing one NATS server never see each other).
 */
import { connect, headers, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { Kvm, KvWatchInclude, type KV } from "@nats-io/kv";
import type { ServiceInstance } from "../catalog/model.ts";
import type { Logger } from "../log/index.ts";
import { DiscoveryError, answerWithin } from "./errors.ts";
import { decodeInstance, encodeInstance } from "./instance.ts";
import {
  ALL_ANNOUNCEMENTS,
  announcementSubject,
  parseAnnouncementSubject,
  parseRegistryKey,
  registryKey,
  type AnnouncementKind,
} from "./subjects.ts";

/** Deadline of one KV call: during an outage, calls fail after this instead of queueing for long. */
const KV_TIMEOUT_MS = 2_000;

/** Header naming the registry (KV bucket) an announcement belongs to. */
export const REGISTRY_HEADER = "Signalbox-Registry";

export interface NatsDiscoveryOptions {
  url: string;
  bucket: string;
  /** Bucket max_age: a key not refreshed for this long disappears. */
  ttlMs: number;
  log: Logger;
  /** Connection name shown by the server (monitoring). */
  name?: string;
  connectTimeoutMs?: number;
}

export interface NatsAnnouncement {
  kind: AnnouncementKind;
  instance: ServiceInstance;
  /** Local receive time (ms): staleness is measured on this clock. */
  receivedAt: number;
}

/** A change of the KV registry: an instance document written, or a key deleted (deregistered). */
export type RegistryChange =
  | { op: "put"; instance: ServiceInstance; /** server time of the write, ms */ writtenAt: number }
  | { op: "delete"; role: string; id: string };

/** What the connected server can do, from the version it reports. */
export interface NatsServerFeatures {
  version: string;
  jetstream: boolean;
  /** Per-key TTL (2.11+): unused, liveness does not depend on it. */
  perKeyTtl: boolean;
  /** Delete markers when keys expire (2.11+). */
  expiryEvents: boolean;
}

export function serverFeatures(version: string, jetstream: boolean): NatsServerFeatures {
  const [major = 0, minor = 0] = version.split(".").map((part) => Number.parseInt(part, 10));
  const atLeast211 = major > 2 || (major === 2 && minor >= 11);
  return { version, jetstream, perKeyTtl: atLeast211, expiryEvents: atLeast211 };
}

export class NatsDiscovery {
  private healthy = true;
  private readonly healthListeners = new Set<(ok: boolean) => void>();
  private readonly subscriptions: Subscription[] = [];
  private readonly stoppers: Array<() => void> = [];
  private kvFailing = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV | null,
    readonly features: NatsServerFeatures,
    private readonly log: Logger,
    private readonly bucket: string,
  ) {
    void this.followStatus();
  }

  static async connect(options: NatsDiscoveryOptions): Promise<NatsDiscovery> {
    const log = options.log.child({ component: "discovery.nats" });
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.url,
        name: options.name,
        timeout: options.connectTimeoutMs ?? 2_000,
        reconnect: true,
        maxReconnectAttempts: -1,
        // Discovery must come back quickly after an outage; a reconnect attempt is cheap.
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 2_000,
        maxPingOut: 2,
      });
    } catch (err) {
      throw new DiscoveryError("nats_unreachable", `cannot connect to NATS at ${options.url}: ${(err as Error).message}`, { cause: err });
    }
    const features = serverFeatures(nc.info?.version ?? "unknown", Boolean(nc.info?.jetstream));
    let kv: KV | null = null;
    if (features.jetstream) {
      kv = await openBucket(nc, options.bucket, options.ttlMs);
      const bucketTtl = (await kv.status()).ttl;
      if (bucketTtl !== options.ttlMs) {
        log.warn("discovery.nats.bucket_ttl_differs", { bucket: options.bucket, bucket_ttl_ms: bucketTtl, ttl_ms: options.ttlMs });
      }
    } else {
      log.warn("discovery.nats.no_jetstream", { server: options.url, detail: "KV registry disabled; heartbeat subjects only" });
    }
    log.info("discovery.nats.connected", {
      server: options.url,
      server_version: features.version,
      jetstream: features.jetstream,
      per_key_ttl: features.perKeyTtl,
      expiry_events: features.expiryEvents,
      bucket: kv ? options.bucket : null,
      liveness: "heartbeat subjects + client staleness timer",
    });
    return new NatsDiscovery(nc, kv, features, log, options.bucket);
  }

  /** False while the connection is down (the client keeps reconnecting by itself). */
  get ok(): boolean {
    return this.healthy;
  }

  onHealth(listener: (ok: boolean) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** Publish `services.{role}.{kind}` with the instance JSON. Never throws: liveness is best effort. */
  announce(kind: AnnouncementKind, instance: ServiceInstance): void {
    try {
      const h = headers();
      h.set(REGISTRY_HEADER, this.bucket);
      this.nc.publish(announcementSubject(instance.role, kind), encodeInstance(instance), { headers: h });
    } catch (err) {
      this.log.debug("discovery.nats.publish_failed", { kind, err });
    }
  }

  /** Write (or refresh, for the bucket max_age) the instance's KV key. */
  async putRegistry(instance: ServiceInstance): Promise<void> {
    if (!this.kv) return;
    await this.kvCall(() => this.kv!.put(registryKey(instance.role, instance.id), encodeInstance(instance)));
  }

  async deleteRegistry(instance: ServiceInstance): Promise<void> {
    if (!this.kv) return;
    await this.kvCall(() => this.kv!.delete(registryKey(instance.role, instance.id)));
  }

  /** Every announcement of every role, as it arrives. */
  listen(onAnnouncement: (announcement: NatsAnnouncement) => void): () => void {
    const sub = this.nc.subscribe(ALL_ANNOUNCEMENTS, {
      callback: (err, msg) => {
        if (err) return this.log.warn("discovery.nats.subscription_error", { err });
        const parsed = parseAnnouncementSubject(msg.subject);
        if (!parsed || msg.headers?.get(REGISTRY_HEADER) !== this.bucket) return;
        try {
          onAnnouncement({ kind: parsed.kind, instance: decodeInstance(msg.string()), receivedAt: Date.now() });
        } catch (error) {
          this.log.warn("discovery.nats.bad_announcement", { subject: msg.subject, err: error });
        }
      },
    });
    this.subscriptions.push(sub);
    return () => sub.unsubscribe();
  }

  /**
   * The current KV entries, then every change. The watcher is an ordered consumer, so
   * deletions made while this connection was down are delivered after it reconnects.
   */
  async watchRegistry(onChange: (change: RegistryChange) => void): Promise<() => void> {
    if (!this.kv) return () => {};
    const watcher = await this.kv.watch({ key: ">", include: KvWatchInclude.LastValue });
    const stop = () => watcher.stop();
    this.stoppers.push(stop);
    void (async () => {
      for await (const entry of watcher) {
        if (entry.operation === "DEL" || entry.operation === "PURGE") {
          const key = parseRegistryKey(entry.key);
          if (key) onChange({ op: "delete", ...key });
          continue;
        }
        try {
          onChange({ op: "put", instance: decodeInstance(entry.string()), writtenAt: entry.created.getTime() });
        } catch (err) {
          this.log.warn("discovery.nats.bad_registry_entry", { key: entry.key, err });
        }
      }
    })().catch((err) => this.log.warn("discovery.nats.watch_ended", { err }));
    return stop;
  }

  /** Flush what was published (the deregister) and close. */
  async close(): Promise<void> {
    for (const stop of this.stoppers.splice(0)) stop();
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
    if (this.nc.isClosed()) return;
    try {
      // Bounded: while disconnected a flush would wait for the reconnect.
      await answerWithin(this.nc.flush(), KV_TIMEOUT_MS, "NATS flush");
    } catch (err) {
      this.log.debug("discovery.nats.flush_failed", { err });
    }
    await this.nc.close();
  }

  private async kvCall(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
      if (this.kvFailing) this.log.info("discovery.nats.kv_recovered");
      this.kvFailing = false;
    } catch (err) {
      // One line per outage: the heartbeat loop calls this every period.
      if (!this.kvFailing) this.log.warn("discovery.nats.kv_failed", { err });
      this.kvFailing = true;
    }
  }

  private setHealthy(ok: boolean): void {
    if (ok === this.healthy) return;
    this.healthy = ok;
    for (const listener of this.healthListeners) listener(ok);
  }

  private async followStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case "disconnect":
        case "staleConnection":
          if (this.healthy) this.log.warn("discovery.nats.disconnected", { detail: status.type });
          this.setHealthy(false);
          break;
        case "reconnect":
          this.log.info("discovery.nats.reconnected", { server: status.server });
          this.setHealthy(true);
          break;
        case "close":
          this.setHealthy(false);
          return;
        default:
          break;
      }
    }
  }
}

/** Create the bucket, or open it when it exists with another configuration (another version made it). */
async function openBucket(nc: NatsConnection, bucket: string, ttlMs: number): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(bucket, { ttl: ttlMs, history: 1, timeout: KV_TIMEOUT_MS });
  } catch (err) {
    try {
      return await kvm.open(bucket, { timeout: KV_TIMEOUT_MS });
    } catch {
      throw new DiscoveryError("nats_unreachable", `cannot create or open KV bucket ${bucket}: ${(err as Error).message}`, { cause: err });
    }
  }
}
