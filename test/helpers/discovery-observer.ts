/**
 * The test side of a discovery scenario: a real catalog (SQLite file, fresh PostgreSQL
 * database, optionally NATS with a unique bucket), the environment stand-ins run with, and a
 * resolver in the test process watching them. `dispose()` removes everything it made.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../../shared/config/index.ts";
import { openCatalog, type CatalogRepository } from "../../shared/catalog/index.ts";
import { createResolver, type Resolver } from "../../shared/discovery/index.ts";
import { createLogger, type Logger } from "../../shared/log/index.ts";
import {
  createTestDatabase,
  deleteBucket,
  discoveryEnv,
  NATS_URL,
  uniqueBucket,
  type DiscoverySettings,
  type StandIn,
} from "./discovery-env.ts";

export type CatalogKind = "sqlite" | "postgres";

export interface ScenarioOptions {
  catalog: CatalogKind;
  nats: boolean;
  timing: Omit<DiscoverySettings, "dsn" | "natsUrl" | "bucket">;
}

export interface Scenario {
  dsn: string;
  bucket?: string;
  /** Environment for stand-ins and the topology CLI. */
  env: Record<string, string>;
  config: Config;
  catalog: CatalogRepository;
  /** Every log line of the test-side resolver (JSON), to count outage reports. */
  logLines: string[];
  log: Logger;
  /** Instances to stop at dispose (stand-ins still running are crashed). */
  standIns: StandIn[];
  /** A resolver over `env` (or over `overrides`, e.g. a proxied DSN or NATS URL). */
  resolver(overrides?: Partial<DiscoverySettings>): Promise<Resolver>;
  dispose(): Promise<void>;
}

export async function createScenario(options: ScenarioOptions): Promise<Scenario> {
  const cleanups: Array<() => Promise<unknown>> = [];
  let dsn: string;
  if (options.catalog === "postgres") {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    dsn = db.dsn;
  } else {
    const dir = await mkdtemp(join(tmpdir(), "sbt-discovery-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    dsn = `sqlite:${join(dir, "catalog.db")}`;
  }
  const bucket = options.nats ? uniqueBucket() : undefined;
  const base: DiscoverySettings = { dsn, ...options.timing, ...(options.nats ? { natsUrl: NATS_URL, bucket } : {}) };
  const env = discoveryEnv(base);
  const logLines: string[] = [];
  const log = createLogger({ level: "info", sink: (line) => logLines.push(line), bindings: { role: "test" } });
  const config = await loadConfig({ argv: [], env });
  const catalog = await openCatalog(dsn, { log });
  const resolvers: Resolver[] = [];
  const extraCatalogs: CatalogRepository[] = [];
  const standIns: StandIn[] = [];

  return {
    dsn,
    bucket,
    env,
    config,
    catalog,
    logLines,
    log,
    standIns,
    async resolver(overrides = {}) {
      const settings = { ...base, ...overrides };
      const resolverConfig = await loadConfig({ argv: [], env: discoveryEnv(settings) });
      const resolverCatalog = settings.dsn === dsn ? catalog : await openCatalog(settings.dsn, { log });
      if (resolverCatalog !== catalog) extraCatalogs.push(resolverCatalog);
      const resolver = await createResolver({ config: resolverConfig, catalog: resolverCatalog, log });
      resolvers.push(resolver);
      return resolver;
    },
    async dispose() {
      await Promise.all(standIns.map((s) => (s.proc.exitCode === null ? s.crash() : undefined)));
      await Promise.all(resolvers.map((resolver) => resolver.close()));
      // In parallel: postgres.js may wait seconds on sockets a proxy cut.
      await Promise.all([catalog, ...extraCatalogs].map((c) => c.close()));
      if (bucket) await deleteBucket(bucket);
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

/** Count log lines of one event. */
export function countEvents(lines: readonly string[], event: string): number {
  return lines.filter((line) => (JSON.parse(line) as { event?: string }).event === event).length;
}
