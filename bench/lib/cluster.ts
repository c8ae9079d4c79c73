/**
 * A writer and an acceptor, each in its own `bun run services/<role>` process, sharing a
 * SQLite catalog file and a temp storage folder — the smallest real ingest deployment.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { roleEnv, startRoleProcess, tempDir, type RoleProcess } from "../../test/helpers/role-process.ts";

export interface IngestCluster {
  writer: RoleProcess;
  acceptor: RoleProcess;
  /** host:port of the acceptor's OTLP/HTTP listener. */
  otlpHttp: string;
  dir: string;
  /** Throws, with the role's last log lines, if a role process has exited. */
  assertAlive(): void;
  stop(): Promise<void>;
}

export interface IngestClusterOptions {
  /** Extra SIGNALBOX_* settings for both roles (e.g. writer flush settings). */
  env?: Record<string, string>;
  /** Write a CPU profile (Markdown and .cpuprofile) of each role into this folder on exit. */
  profileDir?: string;
}

export async function startIngestCluster(options: IngestClusterOptions = {}): Promise<IngestCluster> {
  const dir = tempDir("bench-ingest");
  const env = options.env ?? {};
  // BUN_OPTIONS reaches the `bun run` that startRoleProcess spawns.
  const profile: Record<string, string> = options.profileDir ? { BUN_OPTIONS: `--cpu-prof --cpu-prof-md --cpu-prof-dir=${options.profileDir}` } : {};
  const shared = roleEnv({
    ...profile,
    SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(dir, "catalog.db")}`,
    SIGNALBOX_STORAGE_PATH: join(dir, "data"),
    SIGNALBOX_LOG_LEVEL: "info",
    // The production default: the test helpers' 250 ms heartbeat costs the roles visible CPU.
    SIGNALBOX_DISCOVERY_HEARTBEAT_INTERVAL: "30s",
    // As `bun run start` and compose.yaml run the roles (docs/operations.md, "Memory").
    MIMALLOC_PURGE_DELAY: "2000",
    ...env,
  });
  const writer = await startRoleProcess("writer", shared);
  let acceptor: RoleProcess;
  try {
    acceptor = await startRoleProcess("acceptor", shared);
  } catch (err) {
    await writer.kill();
    throw err;
  }
  const otlpHttp = acceptor.addresses.http;
  if (!otlpHttp) throw new Error(`acceptor.started named no http address: ${JSON.stringify(acceptor.addresses)}`);
  return {
    writer,
    acceptor,
    otlpHttp,
    dir,
    assertAlive() {
      for (const role of [writer, acceptor]) {
        if (role.proc.exitCode === null && role.proc.signalCode === null) continue;
        const tail = role.lines.slice(-15).map((l) => JSON.stringify(l)).join("\n");
        throw new Error(`${role.role} exited (code ${role.proc.exitCode}, signal ${role.proc.signalCode}); last log lines:\n${tail}`);
      }
    },
    async stop() {
      const codes = { acceptor: await acceptor.stop(), writer: await writer.stop() };
      for (const [role, code] of Object.entries(codes)) if (code !== 0) console.error(`${role} exited with code ${code}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
