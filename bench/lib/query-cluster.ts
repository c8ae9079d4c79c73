/**
 * A writer, a querier and a router, each in its own process, over a bench data set already
 * laid out as the writer lays it out (a catalog and a storage folder): the deployment the
 * query benches time through the router.
 */
import { roleEnv, startRoleProcess, type RoleProcess } from "../../test/helpers/role-process.ts";

export type QueryCluster = Record<"writer" | "querier" | "router", RoleProcess>;

export interface QueryClusterOptions {
  catalogDsn: string;
  storagePath: string;
  /** Extra SIGNALBOX_* settings for every role. */
  env?: Record<string, string>;
  /** A path on the router that answers 200 once it has found a querier. */
  readyPath: string;
}

export async function startQueryCluster(options: QueryClusterOptions): Promise<QueryCluster> {
  const env = roleEnv({
    SIGNALBOX_DISCOVERY_CATALOG_DSN: options.catalogDsn,
    SIGNALBOX_STORAGE_PATH: options.storagePath,
    SIGNALBOX_WRITER_FLUSH_INTERVAL: "1h",
    // The benches time one fixed layout, and the data set is cached between runs: compaction
    // must not rewrite it under them (bench/compaction.ts measures the compacted layout). The
    // compactor's first pass runs right after start, so no partition may qualify at all.
    SIGNALBOX_COMPACTION_INTERVAL: "24h",
    SIGNALBOX_COMPACTION_MIN_FILES: "1000000",
    SIGNALBOX_LOG_LEVEL: "info",
    ...options.env,
  });
  const writer = await startRoleProcess("writer", env, { timeoutMs: 60_000 });
  const querier = await startRoleProcess("querier", env, { timeoutMs: 60_000 });
  const router = await startRoleProcess("router", env, { timeoutMs: 60_000 });
  // The router learns the querier through discovery: wait until a query goes through.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await fetch(`http://${router.addresses.http}${options.readyPath}`);
    await r.arrayBuffer();
    if (r.status === 200) break;
    if (Date.now() > deadline) throw new Error(`router not answering ${options.readyPath}: HTTP ${r.status}`);
    await Bun.sleep(200);
  }
  return { writer, querier, router };
}

/**
 * A query cluster that starts its roles again when one has died: other jobs on a shared
 * machine have killed role processes mid-run, and a bench should measure, not stop.
 */
export class RestartingQueryCluster {
  private constructor(
    private readonly options: QueryClusterOptions,
    private readonly log: (line: string) => void,
    public roles: QueryCluster,
  ) {}

  static async start(options: QueryClusterOptions, log: (line: string) => void): Promise<RestartingQueryCluster> {
    return new RestartingQueryCluster(options, log, await startQueryCluster(options));
  }

  /** The router's HTTP base URL. */
  get router(): string {
    return `http://${this.roles.router.addresses.http}`;
  }

  async ensureAlive(): Promise<void> {
    const dead = Object.values(this.roles).filter((r) => r.proc.exitCode !== null || r.proc.signalCode !== null);
    if (dead.length === 0) return;
    this.log(`  (${dead.map((r) => `${r.role} ${r.proc.signalCode ?? r.proc.exitCode}`).join(", ")}: restarting the roles)`);
    for (const r of Object.values(this.roles)) await r.kill();
    this.roles = await startQueryCluster(this.options);
  }

  async stop(): Promise<void> {
    for (const role of Object.values(this.roles)) await role.stop();
  }
}
