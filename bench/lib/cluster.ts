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
  stop(): Promise<void>;
}

/** `env`: extra SIGNALBOX_* settings for both roles (e.g. writer flush settings). */
export async function startIngestCluster(env: Record<string, string> = {}): Promise<IngestCluster> {
  const dir = tempDir("bench-ingest");
  const shared = roleEnv({
    SIGNALBOX_DISCOVERY_CATALOG_DSN: `sqlite:${join(dir, "catalog.db")}`,
    SIGNALBOX_STORAGE_PATH: join(dir, "data"),
    SIGNALBOX_LOG_LEVEL: "info",
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
    async stop() {
      await acceptor.stop();
      await writer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
