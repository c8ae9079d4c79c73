/**
 * A sharded cluster as separate processes: N writers (stable names w1..wN sharing one
 * storage path), one querier, router and acceptor, on a fresh PostgreSQL database and,
 * optionally, a fresh NATS KV bucket. Fast heartbeats so failover fits in a test.
 */
import { join } from "node:path";
import { createFreshPgDatabase, type FreshPgDatabase } from "./catalog-pg.ts";
import { deleteBucket, NATS_URL, uniqueBucket } from "./discovery-env.ts";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "./role-process.ts";

export interface ClusterOptions {
  writers: number;
  replicationFactor: number;
  nats: boolean;
  /** Extra SIGNALBOX_* variables for every role. */
  env?: Record<string, string>;
  /** Start querier and router too (default true). */
  query?: boolean;
}

export interface ShardMapView {
  epoch: number;
  degraded_shards: number;
  writers: Record<string, { live: boolean; shards: { primary: number; replica: number; total: number } }>;
  shards: Array<{ shard_id: number; primary: string | null; replicas: string[] }>;
}

export class TestCluster {
  readonly writers = new Map<string, RoleProcess>();
  querier?: RoleProcess;
  router?: RoleProcess;
  acceptor?: RoleProcess;
  /** More acceptors started by a test (each with its own cached shard map). */
  readonly acceptors: RoleProcess[] = [];

  private constructor(
    readonly env: Record<string, string>,
    private readonly db: FreshPgDatabase,
    private readonly kvBucket: string | undefined,
  ) {}

  static async start(options: ClusterOptions): Promise<TestCluster> {
    const db = await createFreshPgDatabase("sb_cluster");
    const kvBucket = options.nats ? uniqueBucket() : undefined;
    const dir = tempDir("cluster");
    const env = roleEnv({
      SIGNALBOX_DISCOVERY_CATALOG_DSN: db.dsn,
      SIGNALBOX_STORAGE_PATH: join(dir, "data"),
      SIGNALBOX_QUERIER_CACHE_PATH: join(dir, "cache"),
      SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "200ms",
      SIGNALBOX_SHARDING_REPLICATION_FACTOR: String(options.replicationFactor),
      SIGNALBOX_WRITER_FLUSH_INTERVAL: "1s",
      SIGNALBOX_LOG_LEVEL: "info",
      ...(kvBucket
        ? {
            SIGNALBOX_DISCOVERY_NATS_URL: NATS_URL,
            SIGNALBOX_DISCOVERY_NATS_KV_BUCKET: kvBucket,
            SIGNALBOX_DISCOVERY_NATS_HEARTBEAT_INTERVAL: "100ms",
            SIGNALBOX_DISCOVERY_NATS_STALE_AFTER: "600ms",
          }
        : {}),
      ...options.env,
    });
    const cluster = new TestCluster(env, db, kvBucket);
    try {
      for (let i = 1; i <= options.writers; i++) await cluster.startWriter(`w${i}`);
      if (options.query !== false) {
        cluster.querier = await startRoleProcess("querier", env);
        cluster.router = await startRoleProcess("router", env);
      }
      cluster.acceptor = await startRoleProcess("acceptor", env);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  async startWriter(name: string): Promise<RoleProcess> {
    const writer = await startRoleProcess("writer", { ...this.env, SIGNALBOX_WRITER_NAME: name });
    this.writers.set(name, writer);
    return writer;
  }

  async startAcceptor(): Promise<RoleProcess> {
    const acceptor = await startRoleProcess("acceptor", this.env);
    this.acceptors.push(acceptor);
    return acceptor;
  }

  async killWriter(name: string): Promise<void> {
    await this.writers.get(name)?.kill();
    this.writers.delete(name);
  }

  /** The shard map the router reports (/api/v1/topology). */
  async shardMap(): Promise<ShardMapView | null> {
    const response = await fetch(`http://${this.router!.addresses.http}/api/v1/topology`).catch((err: Error) => {
      throw new Error(`router unreachable (${err.message}); crashed roles: ${this.crashed().join(" | ")}`);
    });
    const body = (await response.json()) as { shard_map: ShardMapView | null };
    return body.shard_map;
  }

  /** Wait until the stored map names exactly `names` and all of them are live. */
  async waitForMap(names: string[], timeoutMs = 15_000): Promise<ShardMapView> {
    const want = [...names].sort().join(",");
    const deadline = Date.now() + timeoutMs;
    let last: ShardMapView | null = null;
    while (Date.now() < deadline) {
      last = await this.shardMap();
      const members = [...new Set(last?.shards.flatMap((s) => s.replicas) ?? [])].sort().join(",");
      if (last && members === want && last.degraded_shards === 0) return last;
      await Bun.sleep(50);
    }
    throw new Error(`shard map did not settle on ${want} within ${timeoutMs} ms: ${JSON.stringify(last?.writers)}`);
  }

  /** Roles that exited on their own (a crash), with their exit codes and signals. */
  crashed(): string[] {
    return [this.acceptor, ...this.acceptors, this.router, this.querier, ...this.writers.values()]
      .filter((r): r is RoleProcess => r !== undefined && (r.proc.exitCode !== null || r.proc.signalCode !== null))
      .map((r) => `${r.role} exit ${r.proc.exitCode} ${r.proc.signalCode ?? ""}: ${JSON.stringify(r.lines.slice(-3))}`);
  }

  async stop(): Promise<void> {
    for (const role of [this.acceptor, ...this.acceptors, this.router, this.querier, ...this.writers.values()]) await role?.kill();
    await this.db.drop().catch(() => undefined);
    if (this.kvBucket) await deleteBucket(this.kvBucket).catch(() => undefined);
  }
}
