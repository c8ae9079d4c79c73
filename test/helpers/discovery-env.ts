/**
 * Real infrastructure for discovery tests and the bench: a fresh PostgreSQL database, a
 * unique NATS KV bucket, stand-in instances as separate processes, and the topology CLI.
 * Everything fails loudly when PostgreSQL or NATS is unreachable.
 */
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { createFreshPgDatabase } from "./catalog-pg.ts";

export const NATS_URL = process.env.SIGNALBOX_TEST_NATS ?? "nats://127.0.0.1:4222";
export const REPO_ROOT = new URL("../..", import.meta.url).pathname;
const INSTANCE_SCRIPT = new URL("./discovery-instance.ts", import.meta.url).pathname;
const TOPOLOGY_SCRIPT = new URL("../../services/topology.ts", import.meta.url).pathname;

export function randomSuffix(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

export type { FreshPgDatabase as TestDatabase } from "./catalog-pg.ts";

/** A fresh PostgreSQL database for one test (dropped by the caller). */
export const createTestDatabase = () => createFreshPgDatabase("sbt");

export function uniqueBucket(): string {
  return `sbt_${randomSuffix()}`;
}

/** Remove a KV bucket (its JetStream stream) made by a test. */
export async function deleteBucket(bucket: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL, timeout: 2_000 });
  try {
    const kv = await new Kvm(nc).open(bucket);
    await kv.destroy();
  } finally {
    await nc.close();
  }
}

export interface DiscoverySettings {
  dsn: string;
  natsUrl?: string;
  bucket?: string;
  heartbeat?: string;
  ttl?: string;
  natsHeartbeat?: string;
  staleAfter?: string;
  cacheTtl?: string;
}

/** The SIGNALBOX_* environment of a process configured by `settings` (and nothing inherited). */
export function discoveryEnv(settings: DiscoverySettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("SIGNALBOX_")) env[key] = value;
  }
  env.SIGNALBOX_LOG_LEVEL = "warn";
  env.SIGNALBOX_DISCOVERY_CATALOG_DSN = settings.dsn;
  if (settings.natsUrl) env.SIGNALBOX_DISCOVERY_NATS_URL = settings.natsUrl;
  if (settings.bucket) env.SIGNALBOX_DISCOVERY_NATS_KV_BUCKET = settings.bucket;
  if (settings.heartbeat) env.SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL = settings.heartbeat;
  if (settings.ttl) env.SIGNALBOX_DISCOVERY_TTL = settings.ttl;
  if (settings.natsHeartbeat) env.SIGNALBOX_DISCOVERY_NATS_HEARTBEAT_INTERVAL = settings.natsHeartbeat;
  if (settings.staleAfter) env.SIGNALBOX_DISCOVERY_NATS_STALE_AFTER = settings.staleAfter;
  if (settings.cacheTtl) env.SIGNALBOX_DISCOVERY_CACHE_TTL = settings.cacheTtl;
  return env;
}

export interface StandIn {
  id: string;
  role: string;
  address: string;
  /** Epoch ms just before startDiscovery, and just after it returned (in the child). */
  beginAt: number;
  registeredAt: number;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** SIGTERM (graceful deregister); resolves with the exit code. */
  stop(): Promise<number>;
  /** kill -9: no deregister. */
  crash(): Promise<number>;
}

/** Start `bun test/helpers/discovery-instance.ts <role>` and wait for its ready line. */
export async function spawnInstance(role: string, env: Record<string, string>, timeoutMs = 15_000): Promise<StandIn> {
  const proc = Bun.spawn([process.execPath, INSTANCE_SCRIPT, role], {
    cwd: REPO_ROOT,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = new Response(proc.stderr).text();
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const readLine = async (): Promise<string> => {
    for (;;) {
      const newline = buffered.indexOf("\n");
      if (newline >= 0) return buffered.slice(0, newline);
      const { value, done } = await reader.read();
      if (done) throw new Error(`${role} exited before it was ready (code ${await proc.exited}): ${await stderr}`);
      buffered += decoder.decode(value, { stream: true });
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const line = await Promise.race([
    readLine(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        proc.kill(9);
        reject(new Error(`${role} not ready within ${timeoutMs}ms`));
      }, timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  reader.releaseLock();
  void proc.stdout.cancel().catch(() => {});
  const ready = JSON.parse(line) as { id: string; address: string; beginAt: number; registeredAt: number };
  return {
    id: ready.id,
    role,
    address: ready.address,
    beginAt: ready.beginAt,
    registeredAt: ready.registeredAt,
    proc,
    stop: async () => {
      proc.kill("SIGTERM");
      return proc.exited;
    },
    crash: async () => {
      proc.kill(9);
      return proc.exited;
    },
  };
}

export interface TopologyRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runTopology(env: Record<string, string>, args: string[] = ["--json"]): Promise<TopologyRun> {
  const proc = Bun.spawn([process.execPath, TOPOLOGY_SCRIPT, ...args], { cwd: REPO_ROOT, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Poll `check` until it returns true; resolves with the elapsed ms, rejects past `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 10): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}
